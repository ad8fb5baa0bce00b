import { isStaff } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { Where } from '../lib/sql/where.js';

/**
 * Row visibility by role (contract, "Roles and visibility"): admin and manager see everything;
 * a commercial sees the clients they are `responsable` of and everything hanging off them, plus
 * the taches assigned to them. Every query of a domain list/detail goes through these.
 */
export const seesAll = (user: AuthUser): boolean => isStaff(user);

/** The commercial's rule, written once: the ids of the clients they are `responsable` of (param: their id). */
const THEIR_CLIENTS = 'select id from clients where responsable_id = ?';

/** For queries that join `clients` as `clientAlias`. */
export function scopeByClient(where: Where, user: AuthUser, clientAlias = 'c'): Where {
  if (!seesAll(user)) where.add(`${clientAlias}.responsable_id = ?`, user.id);
  return where;
}

/**
 * The same rows as `scopeByClient`, tested on the table's own client id column (no join of
 * `clients` needed): a count then reads the main table only, and a page walking an ordering index
 * tests each row against the hashed set of the user's clients. The `array` form (the dashboard's
 * counters) tests `= any(array(…))` instead: PostgreSQL then reads the rows with an index-only scan
 * of the `client_id` index rather than hashing the whole table against clients.
 */
export function scopeByClientId(
  where: Where,
  user: AuthUser,
  clientIdColumn: string,
  form: 'subquery' | 'array' = 'subquery',
): Where {
  if (!seesAll(user))
    where.add(
      form === 'array' ? `${clientIdColumn} = any(array(${THEIR_CLIENTS}))` : `${clientIdColumn} in (${THEIR_CLIENTS})`,
      user.id,
    );
  return where;
}

/**
 * Taches: assigned to the user, or linked to one of their clients. Written with a subquery on
 * clients (not a join alias) so PostgreSQL can use the assignee and client indexes.
 */
export function scopeTaches(where: Where, user: AuthUser, tacheAlias = 't'): Where {
  if (!seesAll(user)) {
    where.add(`(${tacheAlias}.assigne_a_id = ? or ${tacheAlias}.client_id in (${THEIR_CLIENTS}))`, user.id, user.id);
  }
  return where;
}

/**
 * `scopeTaches`'s rows for a commercial as two disjoint parts, for counting: assigned to them; on
 * their clients and not assigned to them. Each is an index-only scan, instead of testing the `or`
 * on every tâche. (Staff see every tâche: no parts.)
 */
export function tachesScopeParts(user: AuthUser, tacheAlias = 't'): [assigned: Where, onTheirClients: Where] {
  const assigned = new Where().add(`${tacheAlias}.assigne_a_id = ?`, user.id);
  const onTheirClients = scopeByClientId(new Where(), user, `${tacheAlias}.client_id`, 'array').add(
    `${tacheAlias}.assigne_a_id is distinct from ?`,
    user.id,
  );
  return [assigned, onTheirClients];
}
