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
 * The clients list's own rule (`c.responsable_id`), as a keyed restriction: a commercial's page is
 * one range of an (responsable_id, ordering key, id) index (migration `…_proprietaire`).
 */
export function scopeClients(where: Where, user: AuthUser, alias = 'c'): Where {
  if (!seesAll(user)) where.addKey(`${alias}.responsable_id = ?`, [user.id]);
  return where;
}

/**
 * The same rows as `scopeByClient`, tested on the table's own `proprietaire_id` (the responsable of
 * its client, kept by triggers; no join of `clients` needed): a count reads the main table only,
 * and a page is one range of the table's (proprietaire_id, ordering key, id) index. `alias` is the
 * table's alias (`o.client_id` is accepted for `o`). The `array` form (the dashboard's counters)
 * tests `client_id = any(array(…))` instead: PostgreSQL then reads the rows with an index-only scan
 * of the `client_id` index, which includes the columns those counters sum.
 */
export function scopeByClientId(
  where: Where,
  user: AuthUser,
  aliasOrClientId: string,
  form: 'owner' | 'array' = 'owner',
): Where {
  if (seesAll(user)) return where;
  if (form === 'array') return where.add(`${aliasOrClientId} = any(array(${THEIR_CLIENTS}))`, user.id);
  const alias = aliasOrClientId.split('.')[0];
  return where.addKey(`${alias}.proprietaire_id = ?`, [user.id]);
}

/**
 * Taches: assigned to the user, or on one of their clients (`proprietaire_id`, kept by triggers).
 * Keyed with its two branches, so a page reads both in order from the assignee's and the owner's
 * indexes and merges them.
 */
export function scopeTaches(where: Where, user: AuthUser, tacheAlias = 't'): Where {
  if (!seesAll(user)) {
    const t = tacheAlias;
    where.addKey(
      `(${t}.assigne_a_id = ? or ${t}.proprietaire_id = ?)`,
      [user.id, user.id],
      [
        { clause: `${t}.assigne_a_id = ?`, params: [user.id] },
        // Not made disjoint (`and assigne_a_id is distinct from …`): when every tâche of their clients
        // is assigned to them, that branch would walk all of them to find none. The page merges the
        // two with `union`, which drops the rows both branches return.
        { clause: `${t}.proprietaire_id = ?`, params: [user.id] },
      ],
    );
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
