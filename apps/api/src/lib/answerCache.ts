import type { Redis } from 'ioredis';

/**
 * Short-lived cache of read answers (dashboard, reports), per (endpoint, visibility scope, params).
 *
 * Invalidation is by a global *data version* that is part of every key: every successful tRPC
 * committed write to the tables answers are made of bumps it (see DataChanges, wired in deps.ts), so
 * the next read misses and recomputes. With Redis
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

/** The app's answer cache (one per AppDeps): Redis-backed when `redis` is given. */
export function createAnswerCache(options: { redis?: Redis; redisPrefix: string; ttlSeconds: number }): AnswerCache {
  return options.redis
    ? new RedisAnswerCache(
        options.redis,
        options.redisPrefix,
        Math.max(1, options.ttlSeconds),
        throttledWarning('answer cache: Redis unavailable, answering without cache'),
      )
    : new MemoryAnswerCache(options.ttlSeconds * 1000);
}

/** Stable key text for params (sorted keys, undefined dropped). */
export function paramsKey(params: Record<string, unknown>): string {
  const keys = Object.keys(params)
    .filter((k) => params[k] !== undefined)
    .sort();
  return JSON.stringify(keys.map((k) => [k, params[k]]));
}
