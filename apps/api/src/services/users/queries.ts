import type { EntityManager } from '@crm/db';
import type { Page, UserOut, userListInput } from '@crm/shared';
import { isStaff } from '@crm/shared';
import type { z } from 'zod';
import { notFound } from '../../lib/errors.js';
import { columns } from '../../lib/sql/columns.js';
import { sql, sqlOne } from '../../lib/sql/runner.js';
import { ISO_UTC } from '../../lib/sql/values.js';
import { orderBy, Where } from '../../lib/sql/where.js';
import { addSearch, type Resource } from '../listing.js';

/**
 * How users are read: one column map drives the select list and the row mapping of the list, the
 * detail, the export and the login answer (a new field of UserOut is one line here).
 */

type ListInput = z.infer<typeof userListInput>;

/** Users read as `u` (the login reads them with its password hash). */
export const USER_COLUMNS = columns<UserOut>({
  id: 'u.id',
  username: 'u.username',
  email: 'u.email',
  firstName: 'u.first_name',
  lastName: 'u.last_name',
  role: 'u.role',
  departement: 'u.departement',
  telephone: 'u.telephone',
  isStaff: { derive: (u) => isStaff(u) },
  isAdmin: { derive: (u) => u.role === 'admin' },
  isActive: 'u.is_active',
  dateCreation: ISO_UTC('u.date_creation'),
});

export async function getUser(em: EntityManager, id: number): Promise<UserOut> {
  const row = await sqlOne(em, `select ${USER_COLUMNS.select} from users u where u.id = ?`, [id]);
  if (!row) throw notFound();
  return USER_COLUMNS.map(row);
}

const USER_ORDER_COLUMNS: Record<string, string> = {
  username: 'u.username',
  lastName: 'u.last_name',
  dateCreation: 'u.date_creation',
  role: `case u.role when 'admin' then 0 when 'manager' then 1 else 2 end`,
};
const DEFAULT_ORDER = 'u.username, u.id';

/** The list's filters and search (its pages and its export). */
export function userFilters(input: Omit<ListInput, 'page' | 'pageSize'>): Where {
  const where = new Where();
  addSearch(where, input.search, `crm_fold(u.username || ' ' || u.first_name || ' ' || u.last_name || ' ' || u.email)`);
  if (input.isActive) where.add('u.is_active = ?', input.isActive === 'true');
  return where;
}

/** How users are read (the list's export streams every page of it, in the same order). */
export const USER_RESOURCE: Resource<UserOut> = {
  from: 'from users u',
  alias: 'u',
  columns: USER_COLUMNS.select,
  orderColumns: USER_ORDER_COLUMNS,
  defaultOrder: DEFAULT_ORDER,
  map: USER_COLUMNS.map,
};

export async function listUsers(em: EntityManager, input: ListInput): Promise<Page<UserOut>> {
  const where = userFilters(input);
  const offset = (input.page - 1) * input.pageSize;
  // One statement: a team's users are few, so counting every match beside the page costs less than a
  // second round trip. Only a page past the end (no row to carry the count) counts on its own.
  const rows = await sql<Record<string, any> & { crm_n: number }>(
    em,
    `select ${USER_COLUMNS.select}, count(*) over ()::int as crm_n from users u ${where} ${orderBy(input.ordering, USER_ORDER_COLUMNS, DEFAULT_ORDER)} limit ? offset ?`,
    [...where.params, input.pageSize, offset],
  );
  const count = rows.length
    ? rows[0].crm_n
    : offset === 0
      ? 0
      : (await sql<{ n: number }>(em, `select count(*)::int as n from users u ${where}`, where.params))[0].n;
  return { count, page: input.page, pageSize: input.pageSize, results: rows.map(USER_COLUMNS.map) };
}
