import type { EntityManager } from '@crm/db';
import type { OpportuniteOut, opportuniteListInput, Page } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../../auth/sessions.js';
import { columns } from '../../lib/sql/columns.js';
import { ISO_UTC, day, decimal, money } from '../../lib/sql/values.js';
import { Where } from '../../lib/sql/where.js';
import { addSearch, getResource, listResource, userName, type Resource } from '../listing.js';
import { visibleParent } from '../refs.js';
import { VALEUR_PONDEREE_SQL } from '../valeurPonderee.js';
import { scopeByClient, scopeByClientId } from '../visibility.js';

/**
 * How opportunités are read: one column map drives the select list and the row mapping of the
 * list, its sub-list, the detail, the export, the dashboard and the webhook payloads (a new field
 * of OpportuniteOut is one line here). A list page is one to three statements (see runList).
 */

type ListInput = z.infer<typeof opportuniteListInput>;

const ORDER_COLUMNS = {
  nom: 'crm_fold(o.nom)',
  montant: 'o.montant',
  probabilite: 'o.probabilite',
  dateConclusionEstimee: 'o.date_conclusion_estimee',
  dateCreation: 'o.date_creation',
  position: 'o.position',
};
/** The opportunités of `source` (the table, or a statement's updated rows), their client (the visibility scope names `c`) and responsable. */
const fromOpportunites = (source: string) =>
  `from ${source} o join clients c on c.id = o.client_id left join users u on u.id = o.responsable_id`;
export const OPPORTUNITE_FROM = fromOpportunites('opportunites');

/**
 * valeurPonderee is computed in numeric (exact), rounded to the cent. devisActif is a correlated
 * subquery on the (opportunite_id, version) unique index: still one statement for a whole page.
 */
const OPPORTUNITE_COLUMNS = columns<OpportuniteOut>({
  id: 'o.id',
  nom: 'o.nom',
  client: 'o.client_id',
  clientNom: 'c.nom',
  responsable: 'o.responsable_id',
  responsableNom: userName('u'),
  montant: { sql: 'o.montant', read: money },
  probabilite: 'o.probabilite',
  etape: 'o.etape',
  resultat: 'o.resultat',
  motifPerte: 'o.motif_perte',
  position: 'o.position',
  dateConclusionEstimee: { sql: 'o.date_conclusion_estimee', read: day },
  notes: 'o.notes',
  valeurPonderee: { sql: VALEUR_PONDEREE_SQL('o'), read: money },
  devisActif: `(select d.id from devis d where d.opportunite_id = o.id and d.statut <> 'refuse' order by d.version desc limit 1)`,
  dateCreation: ISO_UTC('o.date_creation'),
  dateModification: ISO_UTC('o.date_modification'),
});

/** The list's filters, search and visibility (its pages, its export and the column totals). */
export function opportuniteFilters(user: AuthUser, input: Omit<ListInput, 'page' | 'pageSize' | 'ordering'>): Where {
  const where = scopeByClientId(new Where(), user, 'o.client_id');
  addSearch(where, input.search, 'o.recherche', 'opportunites');
  if (input.etape !== undefined) where.add('o.etape = ?', input.etape);
  if (input.client !== undefined) where.addNarrow('o.client_id = ?', input.client);
  if (input.responsable !== undefined) where.add('o.responsable_id = ?', input.responsable);
  if (input.resultat !== undefined) where.add('o.resultat = ?', input.resultat);
  if (input.montantMin !== undefined) where.add('o.montant >= ?::numeric', decimal(input.montantMin));
  if (input.montantMax !== undefined) where.add('o.montant <= ?::numeric', decimal(input.montantMax));
  // Concluded on or after that UTC day; a conclusion without a recorded date (imported data) counts
  // at its last modification, as in the dashboard.
  if (input.conclusionApres !== undefined) {
    where.add(
      `o.etape = 'conclusion' and (coalesce(o.date_conclusion, o.date_modification) at time zone 'UTC') >= ?::date`,
      input.conclusionApres,
    );
  }
  return where;
}

/** How opportunites are read: one statement per page, every summary joined. Exported for other read paths (dashboard). */
export const OPPORTUNITE_RESOURCE: Resource<OpportuniteOut> = {
  from: OPPORTUNITE_FROM,
  countFrom: 'from opportunites o',
  alias: 'o',
  columns: OPPORTUNITE_COLUMNS.select,
  orderColumns: ORDER_COLUMNS,
  defaultOrder: 'o.date_creation desc, o.id desc',
  map: OPPORTUNITE_COLUMNS.map,
};

export function listOpportunites(em: EntityManager, user: AuthUser, input: ListInput): Promise<Page<OpportuniteOut>> {
  return listResource(em, OPPORTUNITE_RESOURCE, input, opportuniteFilters(user, input));
}

/** `GET /clients/{id}/opportunites/`: 404 when the client is not visible. */
export function listOpportunitesOfClient(
  em: EntityManager,
  user: AuthUser,
  clientId: number,
  input: ListInput,
): Promise<Page<OpportuniteOut>> {
  const q = opportunitesOfClient(user, clientId, input);
  return listResource(em, OPPORTUNITE_RESOURCE, input, q.where, q.parent);
}

/** The sub-list's filters and its parent check (pages and export). */
export function opportunitesOfClient(user: AuthUser, clientId: number, input: ListInput) {
  return {
    where: opportuniteFilters(user, input).addNarrow('o.client_id = ?', clientId),
    parent: visibleParent(user, 'client', clientId),
  };
}

export async function getOpportunite(em: EntityManager, user: AuthUser, id: number): Promise<OpportuniteOut> {
  const where = scopeByClient(new Where().add('o.id = ?', id), user);
  return getResource(em, OPPORTUNITE_RESOURCE, where);
}

/**
 * The detail of the opportunités `source` names (a CTE of the same statement holding rows of the
 * table, e.g. an UPDATE's RETURNING): a write answers without reading its row again. Not scoped:
 * the write checked that the caller sees the row.
 */
export const opportuniteAnswer = {
  sql: (source: string) => `select ${OPPORTUNITE_COLUMNS.select} ${fromOpportunites(source)}`,
  map: OPPORTUNITE_COLUMNS.map,
};
