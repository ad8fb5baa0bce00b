import type { EntityManager } from '@crm/db';
import { API_KEY_PREFIX_LENGTH, type Role } from '@crm/shared';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { hashToken } from './tokens.js';
import type { AuthUser } from './sessions.js';

/**
 * API keys: `crm_` followed by 256 random bits (base32), so that a key is told apart from a JWT at
 * a glance and by code (`isApiKey`). Only the SHA-256 of the whole secret is stored; a lookup is one
 * indexed statement on every request, so a revocation (or an expiry, or the user's deactivation)
 * is refused at once on every instance, without any cache to invalidate.
 */
export const API_KEY_MARK = 'crm_';

export const isApiKey = (token: string): boolean => token.startsWith(API_KEY_MARK);

export function newApiKeySecret(): { secret: string; prefixe: string; hash: string } {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  const secret = `${API_KEY_MARK}${encodeBase32LowerCaseNoPadding(bytes)}`;
  return { secret, prefixe: secret.slice(0, API_KEY_PREFIX_LENGTH), hash: hashToken(secret) };
}

export interface ApiKeyAuth {
  user: AuthUser;
  key: { id: number; scopes: string[] };
}

/** "Last used" is written at most this often per key: a busy integration must not write on every call. */
const LAST_USED_EVERY_MS = 60_000;

/** The key's acting user and scopes when the key is live (not revoked, not expired, user active), else null. */
export async function validateApiKey(em: EntityManager, secret: string, ip: string): Promise<ApiKeyAuth | null> {
  const row = await sqlOne<{
    id: number;
    scopes: string[];
    last: Date | null;
    user_id: number;
    username: string;
    role: Role;
  }>(
    em,
    `select k.id, k.scopes, k.derniere_utilisation as last, u.id as user_id, u.username, u.role
       from cles_api k join users u on u.id = k.user_id
      where k.hash = ? and k.revoquee_le is null and (k.expire_le is null or k.expire_le > now()) and u.is_active`,
    [hashToken(secret)],
  );
  if (!row) return null;
  if (!row.last || Date.now() - new Date(row.last).getTime() > LAST_USED_EVERY_MS) {
    // Outside the request's transaction and not awaited by it: bookkeeping must not slow or fail the call.
    void sql(em.fork(), `update cles_api set derniere_utilisation = now(), derniere_ip = ? where id = ?`, [
      ip.slice(0, 64),
      row.id,
    ]).catch(() => {});
  }
  return {
    user: { id: row.user_id, username: row.username, role: row.role, isActive: true },
    key: { id: row.id, scopes: row.scopes },
  };
}
