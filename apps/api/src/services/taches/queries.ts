import type { EntityManager } from '@crm/db';
import type { Page, TacheOut, tacheListInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../../auth/sessions.js';
import { columns } from '../../lib/sql/columns.js';
import { ISO_UTC, day, today } from '../../lib/sql/values.js';
import { Where } from '../../lib/sql/where.js';
import { addSearch, getResource, listResource, userName, type Resource } from '../listing.js';
import { visibleParent } from '../refs.js';
import { scopeTaches } from '../visibility.js';

/**
 * How tâches are read: one column map drives the select list and the row mapping of the list,
 * its sub-lists, the detail, the export, the dashboard and the webhook payloads (a new field of
 * TacheOut is one line here). A list page is one to three statements (see runList).
 */

type ListInput = z.infer<typeof tacheListInput>;

/** `-priorite` puts urgente first. */
const PRIORITE_RANK = `(case t.priorite when 'basse' then 1 when 'moyenne' then 2 when 'haute' then 3 when 'urgente' then 4 end)`;
const ORDER_COLUMNS = {
  dateEcheance: 't.date_echeance',
  priorite: PRIORITE_RANK,
  dateCreation: 't.date_creation',
  position: 't.position',
};
/** The tâches of `source` (the table, or a statement's updated rows) with their client, projet and assignee (all optional). */
const fromTaches = (
  source: string,
) => `from ${source} t left join clients c on c.id = t.client_id left join projets p on p.id = t.projet_id
  left join users u on u.id = t.assigne_a_id`;
export const TACHE_FROM = fromTaches('taches');

const TACHE_COLUMNS = columns<TacheOut>({
  id: 't.id',
  titre: 't.titre',
  description: 't.description',
  assigneA: 't.assigne_a_id',
  assigneANom: userName('u'),
  client: 't.client_id',
  clientNom: 'c.nom',
  projet: 't.projet_id',
  projetTitre: 'p.titre',
  priorite: 't.priorite',
  dateEcheance: { sql: 't.date_echeance', read: (v) => day(v) as string },
  statut: 't.statut',
  position: 't.position',
  enRetard: { derive: (t) => t.dateEcheance < today() && t.statut !== 'terminee' },
  dateTerminee: ISO_UTC('t.date_terminee'),
  dateCreation: ISO_UTC('t.date_creation'),
  dateModification: ISO_UTC('t.date_modification'),
});

/** `enRetard` as SQL: past its due date and not terminee (same rule as the column map). */
const EN_RETARD = `(t.date_echeance < ?::date and t.statut <> 'terminee')`;

/** The list's filters, search and visibility (its pages, its export and the column totals). */
export function tacheFilters(user: AuthUser, input: Omit<ListInput, 'page' | 'pageSize' | 'ordering'>): Where {
  const where = scopeTaches(new Where(), user);
  addSearch(where, input.search, 't.recherche', 'taches');
  if (input.statut !== undefined) where.add('t.statut = ?', input.statut);
  // (priorite, date_echeance, id): the default order's walk starts at the priorité's first row.
  if (input.priorite !== undefined) where.addWalkable('t.priorite = ?', [input.priorite], 't.date_echeance');
  // Keyed like an owner: an (assigne_a_id, ordering key, id) index serves each ordering.
  if (input.assigneA !== undefined)
    where.addKey('t.assigne_a_id = ?', [input.assigneA === 'me' ? user.id : input.assigneA]);
  if (input.client !== undefined) where.addNarrow('t.client_id = ?', input.client);
  if (input.projet !== undefined) where.addNarrow('t.projet_id = ?', input.projet);
  if (input.echeanceAvant !== undefined)
    where.addWalkable('t.date_echeance <= ?::date', [input.echeanceAvant], 't.date_echeance');
  if (input.echeanceApres !== undefined)
    where.addWalkable('t.date_echeance >= ?::date', [input.echeanceApres], 't.date_echeance');
  if (input.enRetard === true) where.add(EN_RETARD, today());
  if (input.enRetard === false) where.add(`not ${EN_RETARD}`, today());
  if (input.termineeApres !== undefined)
    where.add(`(t.date_terminee at time zone 'UTC') >= ?::date`, input.termineeApres);
  return where;
}

/** How taches are read: one statement per page, every summary joined. Exported for other read paths (dashboard). */
export const TACHE_RESOURCE: Resource<TacheOut> = {
  from: TACHE_FROM,
  countFrom: 'from taches t',
  alias: 't',
  columns: TACHE_COLUMNS.select,
  orderColumns: ORDER_COLUMNS,
  defaultOrder: 't.date_echeance asc, t.id asc',
  map: TACHE_COLUMNS.map,
};

export function listTaches(em: EntityManager, user: AuthUser, input: ListInput): Promise<Page<TacheOut>> {
  return listResource(em, TACHE_RESOURCE, input, tacheFilters(user, input));
}

/** `GET /projets/{id}/taches/`: 404 when the projet is not visible. */
export function listTachesOfProjet(
  em: EntityManager,
  user: AuthUser,
  projetId: number,
  input: ListInput,
): Promise<Page<TacheOut>> {
  const q = tachesOfProjet(user, projetId, input);
  return listResource(em, TACHE_RESOURCE, input, q.where, q.parent);
}

/** The sub-list's filters and its parent check (pages and export). */
export function tachesOfProjet(user: AuthUser, projetId: number, input: ListInput) {
  return {
    where: tacheFilters(user, input).addNarrow('t.projet_id = ?', projetId),
    parent: visibleParent(user, 'projet', projetId),
  };
}

/** `GET /clients/{id}/taches/`: 404 when the client is not visible. */
export function listTachesOfClient(
  em: EntityManager,
  user: AuthUser,
  clientId: number,
  input: ListInput,
): Promise<Page<TacheOut>> {
  const q = tachesOfClient(user, clientId, input);
  return listResource(em, TACHE_RESOURCE, input, q.where, q.parent);
}

/** The sub-list's filters and its parent check (pages and export). */
export function tachesOfClient(user: AuthUser, clientId: number, input: ListInput) {
  return {
    where: tacheFilters(user, input).addNarrow('t.client_id = ?', clientId),
    parent: visibleParent(user, 'client', clientId),
  };
}

/**
 * Detail. After a write the caller made (create, reassignment to a colleague), the answer is the
 * written tache even when the caller no longer sees it (`scoped: false`).
 */
export async function getTache(em: EntityManager, user: AuthUser, id: number, scoped = true): Promise<TacheOut> {
  const where = new Where().add('t.id = ?', id);
  if (scoped) scopeTaches(where, user);
  return getResource(em, TACHE_RESOURCE, where);
}

/**
 * The detail of the tâches `source` names (a CTE of the same statement holding rows of the table,
 * e.g. an UPDATE's RETURNING): a write answers without reading its row again (unscoped, like
 * `getTache(…, false)` after a write).
 */
export const tacheAnswer = {
  sql: (source: string) => `select ${TACHE_COLUMNS.select} ${fromTaches(source)}`,
  map: TACHE_COLUMNS.map,
};
