import type { EntityManager } from '@crm/db';
import type { UserOut } from '@crm/shared';
import { hashPassword } from '../auth/passwords.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { USER_COLUMNS } from './users/queries.js';

/** A login candidate: the account named by `name` (username, else e-mail; the username wins), with its password hash. */
export interface LoginAccount {
  user: UserOut;
  passwordHash: string;
  isActive: boolean;
}

export async function findLoginAccount(em: EntityManager, name: string): Promise<LoginAccount | undefined> {
  const row = await sqlOne(
    em,
    `select ${USER_COLUMNS.select}, u.password_hash from users u where lower(u.username) = lower(?) or (u.email <> '' and lower(u.email) = lower(?))
     order by (lower(u.username) = lower(?)) desc limit 1`,
    [name, name, name],
  );
  if (!row) return undefined;
  const user = USER_COLUMNS.map(row);
  return { user, passwordHash: row.password_hash, isActive: user.isActive };
}

/** The user's password hash and username (the new password must differ from the username). */
export function passwordOf(
  em: EntityManager,
  userId: number,
): Promise<{ password_hash: string; username: string } | undefined> {
  return sqlOne<{ password_hash: string; username: string }>(
    em,
    `select password_hash, username from users where id = ?`,
    [userId],
  );
}

export async function setPassword(em: EntityManager, userId: number, password: string): Promise<void> {
  await sql(em, `update users set password_hash = ?, date_modification = now() where id = ?`, [
    await hashPassword(password),
    userId,
  ]);
}
