import type { EntityManager } from '@crm/db';
import type { Page, ProjetOut, projetListInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../../auth/sessions.js';
import { columns } from '../../lib/sql/columns.js';
import { ISO_UTC, day, moneyOrNull, today } from '../../lib/sql/values.js';
import { Where } from '../../lib/sql/where.js';
import { addSearch, daysBetween, getResource, listResource, type Resource } from '../listing.js';
import { visibleParent } from '../refs.js';
import { scopeByClient, scopeByClientId } from '../visibility.js';

/**
 * How projets are read: one column map drives the select list and the row mapping of the list,
 * its sub-list, the detail, the export, the dashboard and the webhook payloads (a new field of
 * ProjetOut is one line here). A list page is one to three statements (see runList), a detail one.
 */

type ListInput = z.infer<typeof projetListInput>;

const ORDER_COLUMNS = {
  titre: 'crm_fold(p.titre)',
  dateDebut: 'p.date_debut',
  dateFin: 'p.date_fin',
  budget: 'p.budget',
  dateCreation: 'p.date_creation',
};
/** The projet and its client (the visibility scope names `c`). */
export const PROJET_FROM = 'from projets p join clients c on c.id = p.client_id';

const PROJET_COLUMNS = columns<ProjetOut>({
  id: 'p.id',
  titre: 'p.titre',
  description: 'p.description',
  statut: 'p.statut',
  dateDebut: { sql: 'p.date_debut', read: day },
  dateFin: { sql: 'p.date_fin', read: day },
  budget: { sql: 'p.budget', read: moneyOrNull },
  devisAssocie: 'p.devis_associe_id',
  client: 'p.client_id',
  clientNom: 'c.nom',
  duree: { derive: (p) => daysBetween(p.dateDebut, p.dateFin) },
  enRetard: { derive: (p) => p.dateFin !== null && p.dateFin < today() && p.statut !== 'termine' },
  dateCreation: ISO_UTC('p.date_creation'),
  dateModification: ISO_UTC('p.date_modification'),
});

/** `enRetard` as SQL: dateFin passed and not termine (same rule as the column map). */
const EN_RETARD = `(p.date_fin < ?::date and p.statut <> 'termine')`;

/** The list's filters, search and visibility (its pages and its export). */
export function projetFilters(user: AuthUser, input: ListInput): Where {
  const where = scopeByClientId(new Where(), user, 'p.client_id');
  addSearch(where, input.search, 'p.recherche', 'projets');
  if (input.statut !== undefined) where.add('p.statut = ?', input.statut);
  if (input.client !== undefined) where.addNarrow('p.client_id = ?', input.client);
  if (input.enRetard === true) where.add(EN_RETARD, today());
  if (input.enRetard === false) where.add(`not coalesce(${EN_RETARD}, false)`, today());
  return where;
}

/** How projets are read: one statement per page, every summary joined. Exported for other read paths (dashboard). */
export const PROJET_RESOURCE: Resource<ProjetOut> = {
  from: PROJET_FROM,
  countFrom: 'from projets p',
  alias: 'p',
  columns: PROJET_COLUMNS.select,
  orderColumns: ORDER_COLUMNS,
  defaultOrder: 'p.date_creation desc, p.id desc',
  map: PROJET_COLUMNS.map,
};

export function listProjets(em: EntityManager, user: AuthUser, input: ListInput): Promise<Page<ProjetOut>> {
  return listResource(em, PROJET_RESOURCE, input, projetFilters(user, input));
}

/** `GET /clients/{id}/projets/`: 404 when the client is not visible. */
export function listProjetsOfClient(
  em: EntityManager,
  user: AuthUser,
  clientId: number,
  input: ListInput,
): Promise<Page<ProjetOut>> {
  const q = projetsOfClient(user, clientId, input);
  return listResource(em, PROJET_RESOURCE, input, q.where, q.parent);
}

/** The sub-list's filters and its parent check (pages and export). */
export function projetsOfClient(user: AuthUser, clientId: number, input: ListInput) {
  return {
    where: projetFilters(user, input).addNarrow('p.client_id = ?', clientId),
    parent: visibleParent(user, 'client', clientId),
  };
}

export async function getProjet(em: EntityManager, user: AuthUser, id: number): Promise<ProjetOut> {
  const where = scopeByClient(new Where().add('p.id = ?', id), user);
  return getResource(em, PROJET_RESOURCE, where);
}
