import type { EntityManager } from '@crm/db';
import { User } from '@crm/db';
import type { Page, UserOut } from '@crm/shared';
import { isStaff, userCreateInput, userListInput, userPatchInput } from '@crm/shared';
import type { z } from 'zod';
import { hashPassword } from '../auth/passwords.js';
import { conflict, fieldError, notFound } from '../lib/errors.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { iso } from '../lib/sql/values.js';
import { orderBy, Where } from '../lib/sql/where.js';
import { addSearch, type Resource } from './listing.js';

export const USER_COLUMNS = `u.id, u.username, u.email, u.first_name, u.last_name, u.role, u.departement, u.telephone, u.is_active, u.date_creation`;

export function userOut(r: Record<string, any>): UserOut {
  return {
    id: r.id,
    username: r.username,
    email: r.email,
    firstName: r.first_name,
    lastName: r.last_name,
    role: r.role,
    departement: r.departement,
    telephone: r.telephone,
    isStaff: isStaff({ role: r.role }),
    isAdmin: r.role === 'admin',
    isActive: r.is_active,
    dateCreation: iso(r.date_creation)!,
  };
}

export async function getUser(em: EntityManager, id: number): Promise<UserOut> {
  const row = await sqlOne(em, `select ${USER_COLUMNS} from users u where u.id = ?`, [id]);
  if (!row) throw notFound();
  return userOut(row);
}

const USER_ORDER_COLUMNS: Record<string, string> = {
  username: 'u.username',
  lastName: 'u.last_name',
  dateCreation: 'u.date_creation',
  role: `case u.role when 'admin' then 0 when 'manager' then 1 else 2 end`,
};

/** The list's filters and search (its pages and its export). */
export function userFilters(input: Omit<z.infer<typeof userListInput>, 'page' | 'pageSize'>): Where {
  const where = new Where();
  addSearch(where, input.search, `crm_fold(u.username || ' ' || u.first_name || ' ' || u.last_name || ' ' || u.email)`);
  if (input.isActive) where.add('u.is_active = ?', input.isActive === 'true');
  return where;
}

/** How users are read (the list's export streams every page of it, in the same order). */
export const USER_RESOURCE: Resource<UserOut> = {
  from: 'from users u',
  alias: 'u',
  table: 'users',
  columns: USER_COLUMNS,
  orderColumns: USER_ORDER_COLUMNS,
  defaultOrder: 'u.username, u.id',
  map: userOut,
};

export async function listUsers(em: EntityManager, input: z.infer<typeof userListInput>): Promise<Page<UserOut>> {
  const where = userFilters(input);
  const offset = (input.page - 1) * input.pageSize;
  const [c] = await sql<{ n: number }>(em, `select count(*)::int as n from users u ${where}`, where.params);
  const rows =
    c.n > offset
      ? await sql(
          em,
          `select ${USER_COLUMNS} from users u ${where} ${orderBy(input.ordering, USER_ORDER_COLUMNS, 'u.username, u.id')} limit ? offset ?`,
          [...where.params, input.pageSize, offset],
        )
      : [];
  return { count: c.n, page: input.page, pageSize: input.pageSize, results: rows.map(userOut) };
}

export async function createUser(em: EntityManager, input: z.infer<typeof userCreateInput>): Promise<UserOut> {
  const user = em.create(User, {
    username: input.username,
    email: input.email,
    passwordHash: await hashPassword(input.password),
    firstName: input.firstName,
    lastName: input.lastName,
    role: input.role,
    departement: input.departement,
    telephone: input.telephone,
    isActive: input.isActive,
  });
  await em.flush();
  return getUser(em, user.id);
}

/** Returns the user and whether their sessions must be revoked (deactivation, password or role change). */
export async function patchUser(
  em: EntityManager,
  id: number,
  input: Omit<z.infer<typeof userPatchInput>, 'id'>,
): Promise<{ user: UserOut; revokeSessions: boolean }> {
  const { password, ...rest } = input;
  const passwordHash = password ? await hashPassword(password) : undefined;
  const revokeSessions = await em.transactional(async (tem) => {
    const demotes = rest.isActive === false || (rest.role !== undefined && rest.role !== 'admin');
    // Someone must always be able to manage users: the last active admin stays an active admin.
    // The active admins are locked before counting, so two admins demoting each other at once
    // queue up and the second one sees the first one's change (and gets the 409).
    const admins = demotes
      ? await sql<{ id: number }>(tem, `select id from users where role = 'admin' and is_active order by id for update`)
      : [];
    const user = await tem.findOne(User, id);
    if (!user) throw notFound();
    if (demotes && admins.some((a) => a.id === id) && !admins.some((a) => a.id !== id))
      throw conflict('error.last_admin');
    const username = rest.username ?? user.username;
    if (password && password.toLowerCase() === username.toLowerCase())
      throw fieldError('password', 'err.password_username');
    // Role changes need no revocation: every request reads the role from the session's user row.
    const revoke = (rest.isActive === false && user.isActive) || !!password;
    tem.assign(user, rest, { ignoreUndefined: true });
    if (passwordHash) user.passwordHash = passwordHash;
    user.dateModification = new Date();
    await tem.flush();
    return revoke;
  });
  return { user: await getUser(em, id), revokeSessions };
}
