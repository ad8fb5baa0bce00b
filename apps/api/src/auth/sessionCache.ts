import type { EntityManager } from '@crm/db';
import type { InvalidationBus } from '../lib/invalidationBus.js';
import type { AuthUser, SessionStore } from './sessions.js';

/** Session validation on every authenticated request. */
export interface SessionValidator {
  validate(em: EntityManager, sessionId: string): Promise<AuthUser | null>;
  /** Called after a session (or all of a user's sessions) is revoked or the user changed. */
  invalidate(sessionIds: string[]): Promise<void>;
  /** Resolves once cross-instance invalidation is live (at once when there is no cache). */
  ready(): Promise<void>;
}

/** A validated session is trusted this long at most, even if an invalidation were lost. */
export const SESSION_CACHE_TTL_MS = 15_000;
const SESSION_CACHE_MAX = 50_000;

/**
 * Validated sessions cached in process, so that most authenticated requests need no SQL. Only used
 * with Redis (REDIS_URL): a logout, password change or deactivation on any instance is published
 * and every instance drops the entry before the revoking request answers (it awaits the PUBLISH,
 * which Redis delivers to subscribers first). Without Redis there may be other instances we cannot
 * tell, so every request checks the session row, as before.
 *
 * A lookup that raced with an invalidation is not stored (generation counter), so a session
 * revoked while its row was being read is not cached as live.
 */
export class CachedSessionValidator implements SessionValidator {
  private readonly entries = new Map<string, { user: AuthUser; expiresAt: number }>();
  private readonly byUser = new Map<number, Set<string>>();
  private generation = 0;

  constructor(
    private readonly sessions: SessionStore,
    private readonly bus: InvalidationBus,
    private readonly ttlMs = SESSION_CACHE_TTL_MS,
  ) {}

  async validate(em: EntityManager, sessionId: string): Promise<AuthUser | null> {
    const usable = this.bus.healthy;
    if (usable) {
      const hit = this.entries.get(sessionId);
      if (hit && hit.expiresAt > Date.now()) return hit.user;
    }
    const generation = this.generation;
    const user = await this.sessions.validate(em, sessionId);
    if (user && usable && this.bus.healthy && generation === this.generation) this.store(sessionId, user);
    return user;
  }

  async invalidate(sessionIds: string[]): Promise<void> {
    this.evictSessions(sessionIds);
    if (sessionIds.length) await this.bus.publish({ sessions: sessionIds });
  }

  /** A user's role, name or status changed: their cached sessions must be read again. */
  async invalidateUsers(userIds: number[]): Promise<void> {
    this.evictUsers(userIds);
    if (userIds.length) await this.bus.publish({ users: userIds });
  }

  ready(): Promise<void> {
    return this.bus.ready();
  }

  evictSessions(sessionIds: string[]): void {
    this.generation++;
    for (const id of sessionIds) {
      const e = this.entries.get(id);
      if (!e) continue;
      this.entries.delete(id);
      this.byUser.get(e.user.id)?.delete(id);
    }
  }

  evictUsers(userIds: number[]): void {
    this.generation++;
    for (const uid of userIds) {
      for (const sid of this.byUser.get(uid) ?? []) this.entries.delete(sid);
      this.byUser.delete(uid);
    }
  }

  clear(): void {
    this.generation++;
    this.entries.clear();
    this.byUser.clear();
  }

  private store(sessionId: string, user: AuthUser): void {
    if (this.entries.size >= SESSION_CACHE_MAX) this.clear();
    this.entries.set(sessionId, { user: Object.freeze({ ...user }), expiresAt: Date.now() + this.ttlMs });
    let set = this.byUser.get(user.id);
    if (!set) {
      set = new Set();
      this.byUser.set(user.id, set);
    }
    set.add(sessionId);
  }
}

/** Without Redis: the session row is read on every request (revocation immediate on any number of instances). */
export class DatabaseSessionValidator implements SessionValidator {
  constructor(private readonly sessions: SessionStore) {}
  validate(em: EntityManager, sessionId: string): Promise<AuthUser | null> {
    return this.sessions.validate(em, sessionId);
  }
  async invalidate(): Promise<void> {}
  async ready(): Promise<void> {}
}
