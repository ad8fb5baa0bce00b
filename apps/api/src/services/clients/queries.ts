import type { EntityManager } from '@crm/db';
import type { ClientDetailOut, ClientOut, clientListInput, Page } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../../auth/sessions.js';
import { notFound } from '../../lib/errors.js';
import { columns } from '../../lib/sql/columns.js';
import { sqlOne } from '../../lib/sql/runner.js';
import { ISO_UTC, money } from '../../lib/sql/values.js';
import { orderBy, Where } from '../../lib/sql/where.js';
import { addSearch, runList, userName, type Resource } from '../listing.js';
import { VALEUR_PONDEREE_SQL } from '../valeurPonderee.js';
import { scopeByClient, scopeClients } from '../visibility.js';

/**
 * How clients are read: one column map per output type drives the select list and the row
 * mapping (a new field of ClientOut is one line here). Every read is hand-written, statement-
 * counted SQL: a list page is two statements (count + page), a detail one.
 */

type ListInput = z.infer<typeof clientListInput>;

const ORDER_COLUMNS = {
  nom: 'c.nom',
  societe: 'c.societe',
  dateCreation: 'c.date_creation',
  dateModification: 'c.date_modification',
};

const CLIENT_COLUMNS = columns<ClientOut>({
  id: 'c.id',
  nom: 'c.nom',
  societe: 'c.societe',
  email: 'c.email',
  telephone: 'c.telephone',
  notes: 'c.notes',
  categorie: 'c.categorie',
  responsable: 'c.responsable_id',
  responsableNom: userName('u'),
  dateCreation: ISO_UTC('c.date_creation'),
  dateModification: ISO_UTC('c.date_modification'),
});
const FROM = 'from clients c left join users u on u.id = c.responsable_id';
const DEFAULT_ORDER = 'c.date_creation desc, c.id desc';

/** The detail's figures, computed per client `x` (the list row) by correlated subqueries: still one statement. */
const DETAIL_COLUMNS = columns<Omit<ClientDetailOut, keyof ClientOut>>({
  valeurClient: {
    sql: `(select coalesce(sum(o.montant), 0) from opportunites o where o.client_id = x.id and o.resultat = 'gagnee')`,
    read: money,
  },
  pipelinePondere: {
    sql: `(select coalesce(sum(${VALEUR_PONDEREE_SQL('o')}), 0) from opportunites o where o.client_id = x.id and o.etape <> 'conclusion')`,
    read: money,
  },
  nbProjetsActifs: `(select count(*)::int from projets p where p.client_id = x.id and p.statut <> 'termine')`,
  nbOpportunitesActives: `(select count(*)::int from opportunites o where o.client_id = x.id and o.etape <> 'conclusion')`,
});

/** Adds the accent/case-insensitive search on nom, societe, email (matches the trigram index). */
export function clientSearch(where: Where, search: string | undefined, alias = 'c'): Where {
  return addSearch(where, search, `${alias}.recherche`, 'clients');
}

/** The list's filters, search and visibility (its pages and its export). */
export function clientFilters(user: AuthUser, input: Omit<ListInput, 'page' | 'pageSize'>): Where {
  const where = scopeClients(new Where(), user);
  clientSearch(where, input.search);
  if (input.categorie !== undefined) where.add('c.categorie = ?', input.categorie);
  if (input.responsable !== undefined) where.add('c.responsable_id = ?', input.responsable);
  return where;
}

/** How clients are read (the list's export streams every page of it). */
export const CLIENT_RESOURCE: Resource<ClientOut> = {
  from: FROM,
  countFrom: 'from clients c',
  alias: 'c',
  columns: CLIENT_COLUMNS.select,
  orderColumns: ORDER_COLUMNS,
  defaultOrder: DEFAULT_ORDER,
  map: CLIENT_COLUMNS.map,
};

export async function listClients(em: EntityManager, user: AuthUser, input: ListInput): Promise<Page<ClientOut>> {
  // Two statements whatever the page size: the count (a big one from the count cache, see
  // CountCache) and the page, users joined (no N+1).
  return runList(em, {
    ...CLIENT_RESOURCE,
    where: clientFilters(user, input),
    order: orderBy(input.ordering, ORDER_COLUMNS, DEFAULT_ORDER),
    page: input.page,
    pageSize: input.pageSize,
  });
}

/** Throws 404 unless the client exists and the user may see it. */
export async function assertClientVisible(em: EntityManager, user: AuthUser, id: number): Promise<void> {
  const where = scopeByClient(new Where().add('c.id = ?', id), user);
  const row = await sqlOne(em, `select 1 from clients c ${where}`, where.params);
  if (!row) throw notFound();
}

export async function getClient(em: EntityManager, user: AuthUser, id: number): Promise<ClientDetailOut> {
  const where = scopeByClient(new Where().add('c.id = ?', id), user);
  const row = await sqlOne(
    em,
    `select x.*, ${DETAIL_COLUMNS.select} from (select ${CLIENT_COLUMNS.select} ${FROM} ${where}) x`,
    where.params,
  );
  if (!row) throw notFound();
  return { ...CLIENT_COLUMNS.map(row), ...DETAIL_COLUMNS.map(row) };
}
