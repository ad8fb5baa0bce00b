import type { EntityManager } from '@crm/db';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { hashToken, randomToken } from './tokens.js';
import type { Role } from '@crm/shared';

export interface AuthUser {
  id: number;
  username: string;
  role: Role;
  isActive: boolean;
}

/**
 * Server-side sessions in the spirit of lucia: the session row is the source of truth; the access
 * JWT only names it, so revoking the row refuses the JWT at once. Refresh tokens are single use:
 * each rotation retires the presented one, and presenting a retired one revokes the whole session.
 */
export class SessionStore {
  constructor(private readonly refreshTtlSeconds: number) {}

  async create(
    em: EntityManager,
    userId: number,
    meta: { ip: string; userAgent: string },
  ): Promise<{ sessionId: string; refresh: string }> {
    const sessionId = randomToken();
    const expires = new Date(Date.now() + this.refreshTtlSeconds * 1000);
    const refresh = `${sessionId}.${randomToken()}`;
    await em.transactional(async (tem) => {
      await sql(tem, `insert into sessions (id, user_id, expires_at, ip, user_agent) values (?, ?, ?, ?, ?)`, [
        sessionId,
        userId,
        expires,
        meta.ip.slice(0, 64),
        meta.userAgent.slice(0, 300),
      ]);
      await sql(tem, `insert into refresh_tokens (token_hash, session_id, expires_at) values (?, ?, ?)`, [
        hashToken(refresh),
        sessionId,
        expires,
      ]);
    });
    return { sessionId, refresh };
  }

  /** The session's user when the session is live and the user active, else null. One statement. */
  async validate(em: EntityManager, sessionId: string): Promise<AuthUser | null> {
    const row = await sqlOne<{ id: number; username: string; role: Role; is_active: boolean }>(
      em,
      `select u.id, u.username, u.role, u.is_active from sessions s join users u on u.id = s.user_id
       where s.id = ? and s.revoked_at is null and s.expires_at > now() and u.is_active`,
      [sessionId],
    );
    return row ? { id: row.id, username: row.username, role: row.role, isActive: row.is_active } : null;
  }

  /**
   * Rotates a refresh token. Returns the session's user and the new refresh token, or
   * `reused` when the token was already used (the session is then revoked), or null.
   */
  async rotate(
    em: EntityManager,
    refresh: string,
  ): Promise<
    { sessionId: string; userId: number; refresh: string } | { reused: true; sessionId: string; userId: number } | null
  > {
    const tokenHash = hashToken(refresh);
    return em.transactional(async (tem) => {
      const row = await sqlOne<{
        session_id: string;
        used_at: Date | null;
        user_id: number;
        revoked_at: Date | null;
        is_active: boolean;
      }>(
        tem,
        `select t.session_id, t.used_at, s.user_id, s.revoked_at, u.is_active
         from refresh_tokens t join sessions s on s.id = t.session_id join users u on u.id = s.user_id
         where t.token_hash = ? and t.expires_at > now() for update of t, s`,
        [tokenHash],
      );
      if (!row || row.revoked_at || !row.is_active) return null;
      if (row.used_at) {
        await sql(tem, `update sessions set revoked_at = now(), revoked_reason = 'refresh_reuse' where id = ?`, [
          row.session_id,
        ]);
        return { reused: true as const, sessionId: row.session_id, userId: row.user_id };
      }
      await sql(tem, `update refresh_tokens set used_at = now() where token_hash = ?`, [tokenHash]);
      const next = `${row.session_id}.${randomToken()}`;
      await sql(
        tem,
        `insert into refresh_tokens (token_hash, session_id, expires_at) select ?, id, expires_at from sessions where id = ?`,
        [hashToken(next), row.session_id],
      );
      return { sessionId: row.session_id, userId: row.user_id, refresh: next };
    });
  }

  /** The live session a refresh token (used or not) belongs to: logout with only the refresh cookie left. */
  async findByRefresh(em: EntityManager, refresh: string): Promise<{ sessionId: string; userId: number } | null> {
    const row = await sqlOne<{ session_id: string; user_id: number }>(
      em,
      `select s.id as session_id, s.user_id from refresh_tokens t join sessions s on s.id = t.session_id
       where t.token_hash = ? and s.revoked_at is null and s.expires_at > now()`,
      [hashToken(refresh)],
    );
    return row ? { sessionId: row.session_id, userId: row.user_id } : null;
  }

  async revoke(em: EntityManager, sessionId: string, reason: string): Promise<void> {
    await sql(em, `update sessions set revoked_at = now(), revoked_reason = ? where id = ? and revoked_at is null`, [
      reason,
      sessionId,
    ]);
  }

  /** Revokes every live session of a user, except `keepSessionId` when given. Returns the revoked ids. */
  async revokeUser(em: EntityManager, userId: number, reason: string, keepSessionId?: string): Promise<string[]> {
    const rows = await sql<{ id: string }>(
      em,
      `update sessions set revoked_at = now(), revoked_reason = ? where user_id = ? and revoked_at is null and id <> ? returning id`,
      [reason, userId, keepSessionId ?? ''],
    );
    return rows.map((r) => r.id);
  }
}
