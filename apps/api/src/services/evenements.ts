import type { EntityManager } from '@crm/db';
import { LABELS, type Etape, type EvenementType } from '@crm/shared';
import { sql } from '../lib/sql/runner.js';
import { intArrayLiteral, jsonArrayLiteral, textArrayLiteral } from '../lib/pgArrays.js';
import { userName } from './listing.js';

/**
 * Timeline events: recorded where the change happens, inside the same transaction (pass the
 * transaction's EntityManager), so an event exists exactly when its change was committed.
 * The French one-line summary is written with the event (what the timeline shows).
 */
export interface EventRecord {
  type: EvenementType;
  client: number;
  opportunite?: number | null;
  /** The user who made the change (null: the client on the public page, a scheduled job). */
  auteur: number | null;
  resume: string;
  donnees?: Record<string, unknown>;
}

export async function recordEvent(em: EntityManager, e: EventRecord): Promise<void> {
  await sql(
    em,
    'insert into evenements (type, client_id, opportunite_id, auteur_id, resume, donnees) values (?, ?, ?, ?, ?, ?::jsonb)',
    [e.type, e.client, e.opportunite ?? null, e.auteur, e.resume, JSON.stringify(e.donnees ?? {})],
  );
}

/** Display names of users by id, in one statement (for "responsable : X → Y" summaries). */
export async function userNames(em: EntityManager, ids: (number | null | undefined)[]): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((i): i is number => typeof i === 'number'))];
  if (!wanted.length) return new Map();
  const rows = await sql<{ id: number; nom: string }>(
    em,
    `select u.id, ${userName('u')} as nom from users u where u.id in (${wanted.map(() => '?').join(', ')})`,
    wanted,
  );
  return new Map(rows.map((r) => [r.id, r.nom]));
}
const nameOr = (names: Map<number, string>, id: number | null | undefined) =>
  id == null ? 'personne' : (names.get(id) ?? `#${id}`);

/** 'YYYY-MM-DD' (or a Date) → 'JJ/MM/AAAA'. */
export const formatDateFr = (d: string | Date): string =>
  (typeof d === 'string' ? d : d.toISOString()).slice(0, 10).split('-').reverse().join('/');

const euros = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
export const formatEuros = (n: number): string => euros.format(n).replace(/\u202f|\u00a0/g, ' ');

/** French summaries of each event type. */
export const resumes = {
  clientCree: (nom: string) => `Client « ${nom} » créé`,
  responsable: (names: Map<number, string>, de: number | null, vers: number | null) =>
    `Responsable : ${nameOr(names, de)} → ${nameOr(names, vers)}`,
  opportuniteCreee: (nom: string, montant: number) => `Opportunité « ${nom} » créée (${formatEuros(montant)})`,
  etape: (nom: string, de: Etape, vers: Etape) => `« ${nom} » : ${LABELS.etape[de]} → ${LABELS.etape[vers]}`,
  gagnee: (nom: string) => `Opportunité « ${nom} » gagnée`,
  perdue: (nom: string, motif: string) => `Opportunité « ${nom} » perdue${motif ? ` (motif : ${motif})` : ''}`,
  devisCree: (version: number, opportunite: string, montant: number) =>
    `Devis v${version} créé pour « ${opportunite} » (${formatEuros(montant)} HT)`,
  devisEnvoye: (version: number, destinataire: string) => `Devis v${version} envoyé à ${destinataire}`,
  devisMarqueEnvoye: (version: number) => `Devis v${version} marqué comme envoyé`,
  devisStatut: (version: number, statut: 'consulte' | 'accepte' | 'refuse') =>
    `Devis v${version} ${({ consulte: 'consulté par le client', accepte: 'accepté', refuse: 'refusé' } as const)[statut]}`,
  tacheCreee: (titre: string) => `Tâche « ${titre} » créée`,
  tacheTerminee: (titre: string) => `Tâche « ${titre} » terminée`,
  tacheAssignee: (names: Map<number, string>, titre: string, vers: number | null) =>
    `Tâche « ${titre} » assignée à ${nameOr(names, vers)}`,
};

/** Many events in one statement (bulk actions, imports), inside the caller's transaction. */
export async function recordEvents(em: EntityManager, events: EventRecord[]): Promise<void> {
  if (!events.length) return;
  const insert = eventsInsert(events);
  await sql(em, insert.sql, insert.params);
}

/**
 * The statement inserting `events`; with `after`, chained to that write in the same statement (one
 * round trip: `with w as (<after> returning 1) insert … select … from w, unnest(…)`), the events
 * written only if the write touched a row.
 */
export function eventsInsert(
  events: EventRecord[],
  after?: { sql: string; params: unknown[] },
): { sql: string; params: unknown[] } {
  if (!after) return eventsInsertFrom(events);
  const insert = eventsInsertFrom(events, 'w');
  return { sql: `with w as (${after.sql} returning 1) ${insert.sql}`, params: [...after.params, ...insert.params] };
}

/**
 * The insert of `events`; with `source` (a CTE of the same statement), once per row of it — none
 * when the write it names touched no row.
 */
export function eventsInsertFrom(events: EventRecord[], source?: string): { sql: string; params: unknown[] } {
  const arrays = `unnest(?::text[], ?::int[], ?::int[], ?::int[], ?::text[], ?::jsonb[]) as x(type, client_id, opportunite_id, auteur_id, resume, donnees)`;
  const params = [
    textArrayLiteral(events.map((e) => e.type)),
    intArrayLiteral(events.map((e) => e.client)),
    intArrayLiteral(events.map((e) => e.opportunite ?? null)),
    intArrayLiteral(events.map((e) => e.auteur)),
    textArrayLiteral(events.map((e) => e.resume)),
    jsonArrayLiteral(events.map((e) => e.donnees ?? {})),
  ];
  return {
    sql: `insert into evenements (type, client_id, opportunite_id, auteur_id, resume, donnees) select x.* from ${source ? `${source}, ` : ''}${arrays}`,
    params,
  };
}
