import type { Redis } from 'ioredis';
import type { AppDeps } from '../deps.js';
import type { AuthUser } from '../auth/sessions.js';
import { seesAll } from '../services/visibility.js';

/**
 * Short-lived cache of read answers (dashboard, reports), per (endpoint, visibility scope, params).
 *
 * Invalidation is by a global *data version* that is part of every key: every successful tRPC
 * mutation bumps it (middleware in trpc.ts), so the next read misses and recomputes. With Redis
 * (REDIS_URL) the version is a Redis counter, so a write on one instance invalidates all of them;
 * without Redis both the version and the entries live in this process.
 *
 * Redis trouble never fails a request: the answer is then computed without the cache.
 */
export interface AnswerCache {
  /** `compute()`'s answer, from the cache when a fresh one is there. */
  getOrCompute<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** Bumps the data version: every cached answer is stale from now on. */
  bumpDataVersion(): Promise<void>;
}

export const CACHE_TTL_SECONDS = 30;
const MEMORY_MAX_ENTRIES = 2000;

/**
 * Concurrent misses of one key at one data version share a single computation (no stampede on
 * the database when a popular answer expires or a write invalidates it).
 */
class SingleFlight {
  private readonly inflight = new Map<string, Promise<unknown>>();
  run<T>(fullKey: string, compute: () => Promise<T>): Promise<T> {
    const running = this.inflight.get(fullKey);
    if (running) return running as Promise<T>;
    const p = compute().finally(() => this.inflight.delete(fullKey));
    this.inflight.set(fullKey, p);
    return p;
  }
}

class MemoryAnswerCache implements AnswerCache {
  private version = 0;
  private readonly entries = new Map<string, { expiresAt: number; value: unknown }>();
  private readonly flights = new SingleFlight();
  constructor(private readonly ttlMs: number) {}

  async getOrCompute<T>(key: string, compute: () => Promise<T>): Promise<T> {
    const fullKey = `${this.version}:${key}`;
    const hit = this.entries.get(fullKey);
    if (hit && hit.expiresAt > Date.now()) return hit.value as T;
    return this.flights.run(fullKey, () => this.computeAndStore(fullKey, compute));
  }

  private async computeAndStore<T>(fullKey: string, compute: () => Promise<T>): Promise<T> {
    const versionBefore = this.version;
    const value = await compute();
    // A write that landed while computing makes this answer possibly stale: don't keep it.
    if (this.version === versionBefore) {
      if (this.entries.size >= MEMORY_MAX_ENTRIES) this.evict();
      this.entries.set(fullKey, { expiresAt: Date.now() + this.ttlMs, value });
    }
    return value;
  }

  async bumpDataVersion(): Promise<void> {
    this.version++;
    this.entries.clear();
  }

  private evict(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
    // Still full: drop the oldest half (Map iterates in insertion order).
    if (this.entries.size >= MEMORY_MAX_ENTRIES) {
      let n = this.entries.size / 2;
      for (const k of this.entries.keys()) {
        if (n-- <= 0) break;
        this.entries.delete(k);
      }
    }
  }
}

class RedisAnswerCache implements AnswerCache {
  private readonly flights = new SingleFlight();
  private readonly prefix: string;
  private readonly versionKey: string;
  constructor(
    private readonly redis: Redis,
    redisPrefix: string,
    private readonly ttlSeconds: number,
    private readonly log: (err: unknown) => void,
  ) {
    this.prefix = `${redisPrefix}cache:`;
    this.versionKey = `${this.prefix}version`;
    // Writes made while Redis was unreachable could not bump the version: answers cached before
    // the outage may be stale, so a (re)connection starts a new version.
    redis.on('ready', () => void this.bumpDataVersion());
  }

  async getOrCompute<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let fullKey: string | undefined;
    try {
      const version = (await this.redis.get(this.versionKey)) ?? '0';
      fullKey = `${this.prefix}v${version}:${key}`;
      const hit = await this.redis.get(fullKey);
      if (hit !== null) return JSON.parse(hit) as T;
    } catch (err) {
      this.log(err);
      return compute();
    }
    return this.flights.run(fullKey, async () => {
      const value = await compute();
      try {
        // Entries of older versions are never read again and expire on their own.
        await this.redis.set(fullKey!, JSON.stringify(value), 'EX', this.ttlSeconds);
      } catch (err) {
        this.log(err);
      }
      return value;
    });
  }

  async bumpDataVersion(): Promise<void> {
    try {
      await this.redis.incr(this.versionKey);
    } catch (err) {
      this.log(err);
    }
  }
}

/** Logs at most once a minute: a Redis outage must not flood the logs with one line per request. */
function throttledWarning(message: string): (err: unknown) => void {
  let last = 0;
  return (err) => {
    if (Date.now() - last < 60_000) return;
    last = Date.now();
    console.warn(message, err instanceof Error ? err.message : err);
  };
}

/** One cache per AppDeps (deps.ts stays untouched): Redis-backed when `deps.redis` is set. */
const caches = new WeakMap<AppDeps, AnswerCache>();

export function answerCache(deps: AppDeps): AnswerCache {
  let cache = caches.get(deps);
  if (!cache) {
    const ttl = Number(process.env.CACHE_TTL_SECONDS ?? CACHE_TTL_SECONDS);
    cache = deps.redis
      ? new RedisAnswerCache(deps.redis, deps.config.redisPrefix, Math.max(1, ttl), throttledWarning('answer cache: Redis unavailable, answering without cache'))
      : new MemoryAnswerCache(ttl * 1000);
    caches.set(deps, cache);
  }
  return cache;
}

/** The visibility scope part of a key: admins and managers share one, a commercial has their own. */
export function visibilityScope(user: AuthUser): string {
  return seesAll(user) ? 'all' : `user:${user.id}`;
}

/** Stable key text for params (sorted keys, undefined dropped). */
export function paramsKey(params: Record<string, unknown>): string {
  const keys = Object.keys(params).filter((k) => params[k] !== undefined).sort();
  return JSON.stringify(keys.map((k) => [k, params[k]]));
}

/** Caches `compute()` under (endpoint, the user's visibility scope, params). */
export function cachedForUser<T>(
  deps: AppDeps,
  user: AuthUser,
  endpoint: string,
  params: Record<string, unknown>,
  compute: () => Promise<T>,
): Promise<T> {
  return answerCache(deps).getOrCompute(`${endpoint}:${visibilityScope(user)}:${paramsKey(params)}`, compute);
}
