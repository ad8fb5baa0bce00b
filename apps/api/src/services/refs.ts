import type { EntityManager } from '@crm/db';
import type { MessageKey } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { badRequest } from '../lib/errors.js';
import { sqlOne } from '../lib/sql/runner.js';
import { seesAll } from './visibility.js';

/** Referenced objects of a write, by field name; null/undefined ones are not checked. */
export interface RefRequest {
  client?: number | null;
  projet?: number | null;
  opportunite?: number | null;
  devisAssocie?: number | null;
  contact?: number | null;
  /** User fields (`assigneA`, `responsable`): the user must exist and be active. */
  users?: Record<string, number | null | undefined>;
}

/** The client id each found reference hangs off (for the "same client" rules). */
export interface ResolvedRefs {
  client?: number;
  projet?: number;
  opportunite?: number;
  devisAssocie?: number;
  contact?: number;
}

const MAX_INT4 = 2_147_483_647;

/** `select` of an object by id, joined to its client as `c` (for the visibility scope). */
const BY_ID = {
  client: 'select c.id from clients c where c.id = ?',
  projet: 'select p.client_id from projets p join clients c on c.id = p.client_id where p.id = ?',
  opportunite: 'select o.client_id from opportunites o join clients c on c.id = o.client_id where o.id = ?',
  devis:
    'select o.client_id from devis d join opportunites o on o.id = d.opportunite_id join clients c on c.id = o.client_id where d.id = ?',
  contact: 'select k.client_id from contacts k join clients c on c.id = k.client_id where k.id = ?',
} as const;

/** SQL (with params) returning a row when the parent of a sub-list exists and the caller may see it. */
export function visibleParent(
  user: AuthUser,
  kind: keyof typeof BY_ID,
  id: number,
): { sql: string; params: unknown[] } {
  return seesAll(user)
    ? { sql: BY_ID[kind], params: [id] }
    : { sql: `${BY_ID[kind]} and c.responsable_id = ?`, params: [id, user.id] };
}

/**
 * Checks every reference of a write in ONE statement: each must exist and be visible to the caller
 * (a commercial only reaches their own clients and what hangs off them), else 400 with the field
 * in fieldErrors (`err.not_found_ref`) — never a 404 that would leak the object's existence.
 * Returns the client id of each reference so the caller can check cross-object rules.
 */
export async function resolveRefs(em: EntityManager, user: AuthUser, req: RefRequest): Promise<ResolvedRefs> {
  const scope = seesAll(user) ? '' : ' and c.responsable_id = ?';
  const scopeParams = seesAll(user) ? [] : [user.id];
  const columns: string[] = [];
  const params: unknown[] = [];
  const missing: Record<string, MessageKey[]> = {};
  const ask = (field: string, value: number | null | undefined, query: string, scoped: boolean) => {
    if (value === null || value === undefined) return;
    if (value > MAX_INT4) {
      missing[field] = ['err.not_found_ref'];
      return;
    }
    columns.push(`(${query}${scoped ? scope : ''}) as "${field}"`);
    params.push(value, ...(scoped ? scopeParams : []));
  };
  ask('client', req.client, BY_ID.client, true);
  ask('projet', req.projet, BY_ID.projet, true);
  ask('opportunite', req.opportunite, BY_ID.opportunite, true);
  ask('devisAssocie', req.devisAssocie, BY_ID.devis, true);
  ask('contact', req.contact, BY_ID.contact, true);
  for (const [field, value] of Object.entries(req.users ?? {}))
    ask(field, value, 'select u.id from users u where u.id = ? and u.is_active', false);

  const row = columns.length
    ? await sqlOne<Record<string, number | null>>(em, `select ${columns.join(', ')}`, params)
    : {};
  const out: ResolvedRefs = {};
  for (const [field, value] of Object.entries(row ?? {})) {
    if (value === null) missing[field] = ['err.not_found_ref'];
    else if (field in req && field !== 'users') (out as Record<string, number>)[field] = value;
  }
  if (Object.keys(missing).length) throw badRequest(missing);
  return out;
}
