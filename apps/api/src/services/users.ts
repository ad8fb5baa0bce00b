import type { EntityManager } from '@crm/db';
import { User } from '@crm/db';
import type { UserOut } from '@crm/shared';
import type { userCreateInput, userPatchInput } from '@crm/shared';
import type { z } from 'zod';
import { hashPassword } from '../auth/passwords.js';
import { conflict, fieldError, notFound } from '../lib/errors.js';
import { sql } from '../lib/sql/runner.js';
import { getUser } from './users/queries.js';

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
