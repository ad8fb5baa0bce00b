import type { AuthUser } from '../auth/sessions.js';
import type { Where } from '../lib/db.js';

/**
 * Row visibility by role (contract, "Roles and visibility"): admin and manager see everything;
 * a commercial sees the clients they are `responsable` of and everything hanging off them, plus
 * the taches assigned to them. Every query of a domain list/detail goes through these.
 */
export const seesAll = (user: AuthUser): boolean => user.role === 'admin' || user.role === 'manager';

/** For queries that join `clients` as `clientAlias`. */
export function scopeByClient(where: Where, user: AuthUser, clientAlias = 'c'): Where {
  if (!seesAll(user)) where.add(`${clientAlias}.responsable_id = ?`, user.id);
  return where;
}

/**
 * The same rows as `scopeByClient`, tested on the table's own client id column (no join of
 * `clients` needed): a count then reads the main table only, and a page walking an ordering index
 * tests each row against the hashed set of the user's clients.
 */
export function scopeByClientId(where: Where, user: AuthUser, clientIdColumn: string): Where {
  if (!seesAll(user)) where.add(`${clientIdColumn} in (select id from clients where responsable_id = ?)`, user.id);
  return where;
}

/**
 * Taches: assigned to the user, or linked to one of their clients. Written with a subquery on
 * clients (not a join alias) so PostgreSQL can use the assignee and client indexes.
 */
export function scopeTaches(where: Where, user: AuthUser, tacheAlias = 't'): Where {
  if (!seesAll(user)) {
    where.add(
      `(${tacheAlias}.assigne_a_id = ? or ${tacheAlias}.client_id in (select id from clients where responsable_id = ?))`,
      user.id,
      user.id,
    );
  }
  return where;
}
