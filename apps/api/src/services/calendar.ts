import type { EntityManager } from '@crm/db';
import { LABELS } from '@crm/shared';
import { hashToken, randomToken } from '../auth/tokens.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { day } from '../lib/sql/values.js';
import { renderCalendar, type IcsEvent } from '../lib/ical.js';
import type { AuthUser } from '../auth/sessions.js';
import { audit } from './audit.js';
import { userName } from './listing.js';

/**
 * A user's calendar feed: their tâches (by due date) and the estimated closing dates of their open
 * opportunités, as an iCalendar file at a secret URL (`/api/calendrier/<token>.ics`) that calendar
 * apps poll without logging in. The token (160 bits) is stored hashed; creating a new one revokes the
 * previous URL, and DELETE revokes it. A deactivated user's feed answers 404.
 */
export const feedPath = (token: string) => `/api/calendrier/${token}.ics`;

/** Tâches due this long ago or later are in the feed (older history is not useful in a calendar). */
const HISTORY_DAYS = 90;
/** Bound on each part of a feed, whatever the volume. */
const MAX_EVENTS = 2000;

export async function calendarStatus(
  em: EntityManager,
  user: AuthUser,
): Promise<{ actif: boolean; dateCreation: string | null }> {
  const row = await sqlOne<{ date_creation: Date }>(em, `select date_creation from calendriers where user_id = ?`, [
    user.id,
  ]);
  return { actif: !!row, dateCreation: row ? new Date(row.date_creation).toISOString() : null };
}

export async function createCalendarFeed(
  em: EntityManager,
  user: AuthUser,
  ip: string,
): Promise<{ url: string; dateCreation: string }> {
  const token = randomToken();
  return em.transactional(async (tem) => {
    const [row] = await sql<{ date_creation: Date }>(
      tem,
      `insert into calendriers (user_id, hash) values (?, ?)
       on conflict (user_id) do update set hash = excluded.hash, date_creation = now() returning date_creation`,
      [user.id, hashToken(token)],
    );
    await audit(tem, { userId: user.id, action: 'calendrier.creation', entity: 'user', entityId: user.id, ip });
    return { url: feedPath(token), dateCreation: new Date(row.date_creation).toISOString() };
  });
}

export async function revokeCalendarFeed(em: EntityManager, user: AuthUser, ip: string): Promise<void> {
  await em.transactional(async (tem) => {
    await sql(tem, `delete from calendriers where user_id = ?`, [user.id]);
    await audit(tem, { userId: user.id, action: 'calendrier.revocation', entity: 'user', entityId: user.id, ip });
  });
}

/** The feed of the token's user, or null when the token is unknown, revoked or the user inactive. Three statements. */
export async function calendarFeed(em: EntityManager, token: string, appUrl: string): Promise<string | null> {
  const owner = await sqlOne<{ id: number; nom: string }>(
    em,
    `select u.id, ${userName('u')} as nom from calendriers k join users u on u.id = k.user_id where k.hash = ? and u.is_active`,
    [hashToken(token)],
  );
  if (!owner) return null;
  const taches = await sql(
    em,
    `select t.id, t.titre, t.description, t.priorite, t.statut, t.date_echeance, t.date_modification, c.nom as client_nom
       from taches t left join clients c on c.id = t.client_id
      where t.assigne_a_id = ? and t.date_echeance >= current_date - ?::int
      order by t.date_echeance, t.id limit ?`,
    [owner.id, HISTORY_DAYS, MAX_EVENTS],
  );
  const opportunites = await sql(
    em,
    `select o.id, o.nom, o.etape, o.montant, o.probabilite, o.date_conclusion_estimee, o.date_modification, c.nom as client_nom
       from opportunites o join clients c on c.id = o.client_id
      where coalesce(o.responsable_id, c.responsable_id) = ? and o.etape <> 'conclusion' and o.date_conclusion_estimee is not null
      order by o.date_conclusion_estimee, o.id limit ?`,
    [owner.id, MAX_EVENTS],
  );
  const euros = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
  const events: IcsEvent[] = [
    ...taches.map(
      (t): IcsEvent => ({
        uid: `tache-${t.id}@crm`,
        date: day(t.date_echeance)!,
        summary: `${t.statut === 'terminee' ? '✓ ' : ''}Tâche : ${t.titre}`,
        description: [
          t.client_nom ? `Client : ${t.client_nom}` : '',
          `Priorité : ${LABELS.tachePriorite[t.priorite as keyof typeof LABELS.tachePriorite]}`,
          `Statut : ${LABELS.tacheStatut[t.statut as keyof typeof LABELS.tacheStatut]}`,
          t.description,
        ]
          .filter(Boolean)
          .join('\n'),
        url: `${appUrl}/taches/${t.id}`,
        modified: new Date(t.date_modification),
        categories: ['Tâche'],
      }),
    ),
    ...opportunites.map(
      (o): IcsEvent => ({
        uid: `opportunite-${o.id}@crm`,
        date: day(o.date_conclusion_estimee)!,
        summary: `Conclusion prévue : ${o.nom}`,
        description: [
          `Client : ${o.client_nom}`,
          `Étape : ${LABELS.etape[o.etape as keyof typeof LABELS.etape]}`,
          `Montant : ${euros.format(Number(o.montant))} (probabilité ${o.probabilite} %)`,
        ].join('\n'),
        url: `${appUrl}/opportunites/${o.id}`,
        modified: new Date(o.date_modification),
        categories: ['Opportunité'],
      }),
    ),
  ];
  return renderCalendar(`CRM — ${owner.nom}`, events);
}
