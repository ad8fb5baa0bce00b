import { DatabaseProbe, type MikroORM } from '@crm/db';
import type { Redis } from 'ioredis';
import { MemoryFailureLimiter, RedisFailureLimiter, type FailureLimiter } from './auth/rateLimit.js';
import { MemoryRequestLimiter, RedisRequestLimiter, type RequestLimiter } from './auth/requestLimiter.js';
import { CachedSessionValidator, DatabaseSessionValidator, type SessionValidator } from './auth/sessionCache.js';
import { SessionStore } from './auth/sessions.js';
import type { TokenService } from './auth/tokens.js';
import { VerifiedTokenCache } from './auth/verifiedTokens.js';
import type { AppConfig } from './config.js';
import { attachJobQueue, JobQueue, type AnyJobDefinition } from './jobs/queue.js';
import { createAnswerCache, type AnswerCache } from './lib/answerCache.js';
import { attachCountCache, CountCache } from './lib/countCache.js';
import { DatabaseGuard } from './lib/dbGuard.js';
import { InvalidationBus } from './lib/invalidationBus.js';
import { createRedisClient } from './lib/redis.js';
import { attachDataChanges, DataChanges, type DataChange } from './lib/sql/dataChanges.js';
import { attachUserEventHub, UserEventHub } from './lib/userEvents.js';

export interface AppDeps {
  orm: MikroORM;
  config: AppConfig;
  tokens: TokenService;
  sessions: SessionStore;
  sessionCache: SessionValidator;
  /**
   * Exact counts of big lists, cached briefly. One cache behind every listed table: a write to any
   * of them drops them all (a commercial's counts of every list depend on clients).
   */
  countCache: CountCache;
  /** Read answers (dashboard, reports, board columns), cached until the next write to their tables. */
  answerCache: AnswerCache;
  /** Every committed write (raw SQL or entity flush) passes here, and drops the caches above. */
  dataChanges: DataChanges;
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

/** Tables whose writes change list counts. */
export const LISTED_TABLES: ReadonlySet<string> = new Set(['clients', 'projets', 'opportunites', 'taches', 'devis']);
/** Tables cached answers are computed from (the lists, and users for names and per-commercial figures). */
export const ANSWER_TABLES: ReadonlySet<string> = new Set([...LISTED_TABLES, 'users']);

const touches = (change: DataChange, tables: ReadonlySet<string>) => [...change.tables].some((t) => tables.has(t));

/**
 * The composition root: every long-lived object of the app, wired once. `jobs`: the background job
 * definitions (jobs/index.ts's `jobsFor(config)`; the caller passes them, so that jobs, which use
 * AppDeps, are not imported from here).
 */
export function createDeps(orm: MikroORM, config: AppConfig, jobs: AnyJobDefinition<AppDeps>[]): AppDeps {
  const redis = config.redisUrl ? createRedisClient(config.redisUrl) : undefined;
  const sessions = new SessionStore(config.refreshTtlSeconds);
  const loginLimiter: FailureLimiter = redis
    ? new RedisFailureLimiter(redis, config.loginWindowSeconds, `${config.redisPrefix}login-fail:`)
    : new MemoryFailureLimiter(config.loginWindowSeconds);
  // Two connections of the pool stay free for logins and refreshes when slow requests fill the rest.
  const reserved = Math.max(0, Math.min(2, config.dbPoolMax - 1));
  const db = new DatabaseGuard(
    new DatabaseProbe(config.databaseUrl ?? '', 2_000),
    config.dbPoolMax - reserved,
    config.dbQueueTimeoutMs,
  );

  const countCache = new CountCache();
  attachCountCache(orm, countCache);
  const answerCache = createAnswerCache({ redis, redisPrefix: config.redisPrefix, ttlSeconds: config.cacheTtlSeconds });

  const userEvents = new UserEventHub();
  attachUserEventHub(orm, userEvents);

  let cached: CachedSessionValidator | undefined;
  let bus: InvalidationBus | undefined;
  if (redis) {
    bus = new InvalidationBus(
      redis,
      config.redisPrefix,
      (m) => {
        if ('sessions' in m) cached?.evictSessions(m.sessions);
        if ('users' in m) cached?.evictUsers(m.users);
        if ('counts' in m) countCache.invalidateLocal(m.counts);
        if ('notifications' in m) userEvents.deliverLocal(m.notifications);
      },
      () => {
        cached?.clear();
        countCache.invalidateLocal();
      },
    );
    cached = new CachedSessionValidator(sessions, bus);
    countCache.onInvalidate = (tables) => void bus!.publish({ counts: tables });
    // Through Redis every instance (this one included) tells its open streams; while the
    // subscription is down the signal stays local (the SPA's polling covers the others).
    userEvents.remote = async (ids) => bus!.healthy && (await bus!.publish({ notifications: ids }));
  }
  const sessionCache: SessionValidator = cached ?? new DatabaseSessionValidator(sessions);

  // Committed writes make cached data stale: a changed user (role, status…) drops their cached
  // sessions; a write to a listed table drops the list counts, one to the answers' tables the answers.
  const dataChanges = new DataChanges();
  dataChanges.onChange(async (change) => {
    if (touches(change, LISTED_TABLES)) countCache.invalidate([...change.tables].filter((t) => LISTED_TABLES.has(t)));
    if (touches(change, ANSWER_TABLES)) await answerCache.bumpDataVersion();
    if (change.users.length) await cached?.invalidateUsers([...change.users]);
  });
  attachDataChanges(orm, dataChanges);

  const deps: AppDeps = {
    orm,
    config,
    tokens: new VerifiedTokenCache(config.jwtSecret, config.accessTtlSeconds),
    sessions,
    sessionCache,
    countCache,
    answerCache,
    dataChanges,
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
  attachJobQueue(orm, deps.jobs);
  return deps;
}
