import type { EntityManager } from '@crm/db';
import { LABELS } from '@crm/shared';
import { intArrayLiteral } from '../lib/pgArrays.js';
import { sql } from '../lib/sql/runner.js';
import { formatDate } from '../lib/pdf.js';
import { queueCourriel } from './courriels/outbox.js';

/**
 * The daily digest e-mail: each active user with an e-mail address and something to do — open
 * tâches assigned to them due today or overdue, unread notifications — gets one mail a day through
 * the outbox (services/courriels/outbox.ts). The `resumes_quotidiens` row (user, day) is written
 * in the same transaction as the mail: exactly once per user and day however many instances run
 * the job and however often it is retried. A user with nothing to do gets nothing.
 */

/** Tâches listed in a digest per user (the mail says how many more there are). */
const LISTED = 10;

interface Tache {
  user_id: number;
  id: number;
  titre: string;
  date_echeance: string;
  priorite: keyof typeof LABELS.tachePriorite;
  client_nom: string | null;
}

export interface ResumeOptions {
  /** The day of the digest (YYYY-MM-DD, the server's UTC day by default). */
  day: string;
  /** Base of the links in the mail (PUBLIC_URL). */
  publicUrl: string;
}

/** Writes the day's digests that were not written yet; returns the users who got one. */
export async function envoyerResumesQuotidiens(em: EntityManager, opts: ResumeOptions): Promise<number[]> {
  const users = await sql<{
    id: number;
    email: string;
    prenom: string;
    aujourdhui: number;
    en_retard: number;
    non_lues: number;
  }>(
    em,
    `with taches_dues as (
       select t.assigne_a_id as user_id, count(*) filter (where t.date_echeance = ?::date)::int as aujourdhui,
              count(*) filter (where t.date_echeance < ?::date)::int as en_retard
         from taches t
        where t.statut <> 'terminee' and t.assigne_a_id is not null and t.date_echeance <= ?::date
        group by 1),
     non_lues as (select n.user_id, count(*)::int as non_lues from notifications n where n.date_lecture is null group by 1),
     candidats as (
       select u.id, u.email, coalesce(nullif(u.first_name, ''), u.username) as prenom,
              coalesce(d.aujourdhui, 0) as aujourdhui, coalesce(d.en_retard, 0) as en_retard, coalesce(l.non_lues, 0) as non_lues
         from users u left join taches_dues d on d.user_id = u.id left join non_lues l on l.user_id = u.id
        where u.is_active and u.email <> '' and (d.user_id is not null or l.user_id is not null)),
     marques as (
       insert into resumes_quotidiens (user_id, jour) select id, ?::date from candidats
       on conflict do nothing returning user_id)
     select c.* from candidats c join marques m on m.user_id = c.id order by c.id`,
    [opts.day, opts.day, opts.day, opts.day],
  );
  if (!users.length) return [];
  const taches = await sql<Tache>(
    em,
    `select * from (
       select t.assigne_a_id as user_id, t.id, t.titre, to_char(t.date_echeance, 'YYYY-MM-DD') as date_echeance, t.priorite, c.nom as client_nom,
              row_number() over (partition by t.assigne_a_id order by t.date_echeance, t.id) as rn
         from taches t left join clients c on c.id = t.client_id
        where t.assigne_a_id = any(?::int[]) and t.statut <> 'terminee' and t.date_echeance <= ?::date) x
      where rn <= ${LISTED} order by user_id, rn`,
    [intArrayLiteral(users.map((u) => u.id)), opts.day],
  );
  for (const u of users) {
    const own = taches.filter((t) => t.user_id === u.id);
    const courrielId = await queueCourriel(em, { to: u.email, ...resumeMail(u, own, opts) });
    await sql(em, 'update resumes_quotidiens set courriel_id = ? where user_id = ? and jour = ?::date', [
      courrielId,
      u.id,
      opts.day,
    ]);
  }
  return users.map((u) => u.id);
}

const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`;

/** The mail of one user (French, plain text). */
export function resumeMail(
  u: { prenom: string; aujourdhui: number; en_retard: number; non_lues: number },
  taches: Tache[],
  opts: ResumeOptions,
): { subject: string; text: string } {
  const parts: string[] = [];
  if (u.aujourdhui) parts.push(`${plural(u.aujourdhui, 'tâche', 'tâches')} pour aujourd'hui`);
  if (u.en_retard) parts.push(`${plural(u.en_retard, 'tâche en retard', 'tâches en retard')}`);
  if (u.non_lues) parts.push(`${plural(u.non_lues, 'notification non lue', 'notifications non lues')}`);
  const lines = [`Bonjour ${u.prenom},`, '', `Votre journée du ${formatDate(opts.day)} : ${parts.join(', ')}.`];
  if (taches.length) {
    lines.push('');
    for (const t of taches) {
      const quand =
        t.date_echeance === opts.day ? "aujourd'hui" : `en retard, échéance le ${formatDate(t.date_echeance)}`;
      lines.push(
        `- ${t.titre}${t.client_nom ? ` (${t.client_nom})` : ''} — ${quand}, priorité ${LABELS.tachePriorite[t.priorite].toLowerCase()}`,
      );
      lines.push(`  ${opts.publicUrl}/taches/${t.id}`);
    }
    const more = u.aujourdhui + u.en_retard - taches.length;
    if (more > 0) lines.push(`… et ${plural(more, 'autre tâche', 'autres tâches')} : ${opts.publicUrl}/taches`);
  }
  if (u.non_lues) lines.push('', `Vos notifications (la cloche en haut de l'écran) : ${opts.publicUrl}/`);
  lines.push('', '— Votre CRM');
  return { subject: `Votre journée du ${formatDate(opts.day)} : ${parts.join(', ')}`, text: lines.join('\n') };
}
