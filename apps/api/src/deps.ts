import { DatabaseProbe, type MikroORM } from '@crm/db';
import type { EntityManager } from '@crm/db';
import type { Redis } from 'ioredis';
import type { AppConfig } from './config.js';
import { TokenService, type AccessClaims } from './auth/tokens.js';
import { SessionStore, type AuthUser } from './auth/sessions.js';
import { MemoryFailureLimiter, RedisFailureLimiter, type FailureLimiter } from './auth/rateLimit.js';
import { CountCache, registerCountCaches } from './lib/db.js';
import { registerUserEventHub, UserEventHub } from './lib/userEvents.js';
import { createRedisClient, warnOncePerOutage } from './lib/redis.js';
import { DatabaseGuard } from './lib/dbGuard.js';
import { MemoryRequestLimiter, RedisRequestLimiter, type RequestLimiter } from './auth/requestLimiter.js';
import { JobQueue, registerJobQueue, type AnyJobDefinition } from './jobs/queue.js';
import { jobsFor } from './jobs/index.js';

/** Session validation on every authenticated request. */
export interface SessionValidator {
  validate(em: EntityManager, sessionId: string): Promise<AuthUser | null>;
  /** Called after a session (or all of a user's sessions) is revoked or the user changed. */
  invalidate(sessionIds: string[]): Promise<void>;
  /** Resolves once cross-instance invalidation is live (at once when there is no cache). */
  ready(): Promise<void>;
}

export interface AppDeps {
  orm: MikroORM;
  config: AppConfig;
  tokens: TokenService;
  sessions: SessionStore;
  sessionCache: SessionValidator;
  /** Exact counts of big lists, cached briefly and invalidated on writes (see CountCache). */
  /**
   * Exact counts of big lists, per table, cached briefly. One cache behind every table: a write to
   * any listed entity drops them all (a commercial's counts of every list depend on clients).
   */
  countCaches: Record<'clients' | 'projets' | 'opportunites' | 'taches' | 'devis', CountCache>;
  loginLimiter: FailureLimiter;
  /** Notification signals to the Server-Sent Events streams (through Redis across instances). */
  userEvents: UserEventHub;
  /** Admission to the database (backpressure, breaker) and its health probe. */
  db: DatabaseGuard;
  /** Request rate limits of API keys and users (token buckets). */
  requestLimiter: RequestLimiter;
  redis?: Redis;
  /** Background jobs (pg-boss); `start()` is called by createApp / the worker. */
  jobs: JobQueue<AppDeps>;
  close(): Promise<void>;
}

/** A validated session is trusted this long at most, even if an invalidation were lost. */
export const SESSION_CACHE_TTL_MS = 15_000;
const SESSION_CACHE_MAX = 50_000;
/** Channel (after the configured Redis prefix) on which revocations and count invalidations travel. */
export const INVALIDATION_CHANNEL = 'invalidate';

type Invalidation = { sessions: string[] } | { users: number[] } | { counts: string[] } | { notifications: number[] };

/**
 * Redis pub/sub between API instances: each instance subscribes (on its own connection) and drops
 * what the others invalidate. `healthy` is false while the subscription is not live (startup,
 * Redis down, reconnecting) or the command connection is not ready (a partition is detected there
 * first, by a command timeout, while an idle subscription notices nothing): messages may be missed
 * then, so the caches are bypassed, and emptied when Redis is back.
 */
class InvalidationBus {
  private readonly sub: Redis;
  private live = false;
  get healthy(): boolean {
    return this.live && this.redis.status === 'ready';
  }
  private readonly subscribed: Promise<void>;

  private readonly channel: string;
  private readonly warn: (err: unknown) => void;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly onMessage: (m: Invalidation) => void,
    private readonly onReset: () => void,
  ) {
    this.channel = `${prefix}${INVALIDATION_CHANNEL}`;
    this.sub = redis.duplicate({ maxRetriesPerRequest: null });
    this.sub.on('message', (_channel: string, text: string) => {
      try {
        this.onMessage(JSON.parse(text) as Invalidation);
      } catch {
        /* not ours */
      }
    });
    const down = () => {
      this.live = false;
      this.onReset();
    };
    redis.on('ready', () => this.onReset());
    this.sub.on('close', down);
    this.sub.on('reconnecting', down);
    this.sub.on('error', () => {});
    this.warn = warnOncePerOutage(redis, 'invalidation not published (Redis unavailable); other instances bypass their caches meanwhile');
    const subscribe = () =>
      this.sub.subscribe(this.channel).then(() => {
        // Anything cached before (re)subscribing may have missed a message.
        this.onReset();
        this.live = true;
      });
    let resolveReady!: () => void;
    this.subscribed = new Promise((resolve) => (resolveReady = resolve));
    this.sub.on('ready', () => void subscribe().then(resolveReady, () => {}));
  }

  ready(): Promise<void> {
    return this.subscribed;
  }

  async publish(m: Invalidation): Promise<boolean> {
    try {
      await this.redis.publish(this.channel, JSON.stringify(m));
      return true;
    } catch (err) {
      // The database change is committed; other instances drop the entry after SESSION_CACHE_TTL_MS at most,
      // and an instance whose subscription is down does not use its cache at all.
      this.warn(err);
      return false;
    }
  }

  close(): void {
    this.sub.disconnect();
  }
}

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
class CachedSessionValidator implements SessionValidator {
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
    if (!set) this.byUser.set(user.id, (set = new Set()));
    set.add(sessionId);
  }
}

/**
 * Access tokens verified once per process: the same token string carries the same verified
 * signature, so later requests only check its expiry (kept from the verified payload). Saves the
 * WebCrypto HMAC on every request; revocation is the session check's business, unaffected.
 */
class VerifiedTokenCache extends TokenService {
  private readonly verified = new Map<string, { claims: AccessClaims; expiresAt: number }>();

  override async verifyAccess(token: string): Promise<AccessClaims | null> {
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.expiresAt > Date.now()) return hit.claims;
      this.verified.delete(token);
    }
    const claims = await super.verifyAccess(token);
    if (claims) {
      const exp = Number(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp) * 1000;
      if (Number.isFinite(exp)) {
        if (this.verified.size >= VERIFIED_TOKENS_MAX) this.verified.clear();
        this.verified.set(token, { claims: Object.freeze({ ...claims }), expiresAt: exp });
      }
    }
    return claims;
  }
}
const VERIFIED_TOKENS_MAX = 20_000;

/** Without Redis: the session row is read on every request (revocation immediate on any number of instances). */
class DatabaseSessionValidator implements SessionValidator {
  constructor(private readonly sessions: SessionStore) {}
  validate(em: EntityManager, sessionId: string): Promise<AuthUser | null> {
    return this.sessions.validate(em, sessionId);
  }
  async invalidate(): Promise<void> {}
  async ready(): Promise<void> {}
}

/**
 * Entity writes (through the unit of work) that make cached data stale: a changed User (role,
 * status…) drops their cached sessions; any write of a listed entity drops the cached list counts.
 * Dropped when the flush starts and again once it is committed (a concurrent read in between may
 * have cached the old state). Raw-SQL deletes drop the counts themselves (`countCacheOf`).
 */
/** Entities whose writes change list counts. */
const LISTED_ENTITIES = new Set(['Client', 'Projet', 'Opportunite', 'Tache', 'Devis']);

function watchEntityWrites(orm: MikroORM, onUsers: (ids: number[]) => Promise<void>, onClients: () => void): void {
  const pendingUsers = new Set<number>();
  let pendingClients = false;
  const fire = async () => {
    if (pendingClients) onClients();
    if (pendingUsers.size) await onUsers([...pendingUsers]);
  };
  orm.em.getEventManager().registerSubscriber({
    onFlush({ uow }: { uow: any }) {
      for (const cs of uow.getChangeSets() as Array<{ name: string; type: string; entity: any }>) {
        if (cs.name === 'User' && cs.type !== 'create' && cs.entity?.id) pendingUsers.add(cs.entity.id);
        if (LISTED_ENTITIES.has(cs.name)) pendingClients = true;
      }
      return fire();
    },
    async afterFlush({ em }: { em: EntityManager }) {
      await fire();
      if (!em.isInTransaction()) {
        pendingUsers.clear();
        pendingClients = false;
      }
    },
    async afterTransactionCommit() {
      await fire();
      pendingUsers.clear();
      pendingClients = false;
    },
  } as any);
}

export function createDeps(orm: MikroORM, config: AppConfig, jobs: AnyJobDefinition<AppDeps>[] = jobsFor(config)): AppDeps {
  const redis = config.redisUrl ? createRedisClient(config.redisUrl) : undefined;
  const sessions = new SessionStore(config.refreshTtlSeconds);
  const loginLimiter: FailureLimiter = redis
    ? new RedisFailureLimiter(redis, config.loginWindowSeconds, `${config.redisPrefix}login-fail:`)
    : new MemoryFailureLimiter(config.loginWindowSeconds);
  // Two connections of the pool stay free for logins and refreshes when slow requests fill the rest.
  const reserved = Math.max(0, Math.min(2, config.dbPoolMax - 1));
  const db = new DatabaseGuard(new DatabaseProbe(config.databaseUrl ?? '', 2_000), config.dbPoolMax - reserved, config.dbQueueTimeoutMs);

  const counts = new CountCache();
  const countCaches = { clients: counts, projets: counts, opportunites: counts, taches: counts, devis: counts };
  registerCountCaches(orm.em as EntityManager, countCaches);

  const userEvents = new UserEventHub();
  registerUserEventHub(orm.em as EntityManager, userEvents);

  let cached: CachedSessionValidator | undefined;
  let bus: InvalidationBus | undefined;
  if (redis) {
    bus = new InvalidationBus(
      redis,
      config.redisPrefix,
      (m) => {
        if ('sessions' in m) cached?.evictSessions(m.sessions);
        if ('users' in m) cached?.evictUsers(m.users);
        if ('counts' in m) for (const t of m.counts) countCaches[t as keyof typeof countCaches]?.invalidateLocal();
        if ('notifications' in m) userEvents.deliverLocal(m.notifications);
      },
      () => {
        cached?.clear();
        counts.invalidateLocal();
      },
    );
    cached = new CachedSessionValidator(sessions, bus);
    counts.onInvalidate = () => void bus!.publish({ counts: ['clients'] });
    // Through Redis every instance (this one included) tells its open streams; while the
    // subscription is down the signal stays local (the SPA's polling covers the others).
    userEvents.remote = async (ids) => bus!.healthy && (await bus!.publish({ notifications: ids }));
  }
  const sessionCache: SessionValidator = cached ?? new DatabaseSessionValidator(sessions);
  watchEntityWrites(
    orm,
    async (ids) => cached?.invalidateUsers(ids),
    () => countCaches.clients.invalidate(),
  );

  const deps: AppDeps = {
    orm,
    config,
    tokens: new VerifiedTokenCache(config.jwtSecret, config.accessTtlSeconds),
    sessions,
    sessionCache,
    countCaches,
    loginLimiter,
    userEvents,
    db,
    requestLimiter: redis ? new RedisRequestLimiter(redis, config.redisPrefix) : new MemoryRequestLimiter(),
    redis,
    jobs: new JobQueue<AppDeps>(orm, config.jobs, jobs, () => deps),
    async close() {
      await deps.jobs.stop();
      bus?.close();
      redis?.disconnect();
      await db.close();
    },
  };
  registerJobQueue(orm, deps.jobs);
  return deps;
}
