import type { Redis } from 'ioredis';

/** Counts failures per key within a window; shared through Redis when configured. */
export interface FailureLimiter {
  /** Seconds until the key may try again, or 0 when under the limit. */
  blockedFor(key: string): Promise<number>;
  fail(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

export class MemoryFailureLimiter implements FailureLimiter {
  private readonly hits = new Map<string, number[]>();
  constructor(private readonly max: number, private readonly windowSeconds: number) {}
  private recent(key: string): number[] {
    const cutoff = Date.now() - this.windowSeconds * 1000;
    const list = (this.hits.get(key) ?? []).filter((t) => t > cutoff);
    if (list.length) this.hits.set(key, list);
    else this.hits.delete(key);
    return list;
  }
  async blockedFor(key: string): Promise<number> {
    const list = this.recent(key);
    if (list.length < this.max) return 0;
    return Math.max(1, Math.ceil((list[list.length - this.max] + this.windowSeconds * 1000 - Date.now()) / 1000));
  }
  async fail(key: string): Promise<void> {
    const list = this.recent(key);
    list.push(Date.now());
    this.hits.set(key, list);
  }
  async reset(key: string): Promise<void> {
    this.hits.delete(key);
  }
}

/** Sliding window in a Redis sorted set per key, so every API instance sees the same counts. */
export class RedisFailureLimiter implements FailureLimiter {
  constructor(private readonly redis: Redis, private readonly max: number, private readonly windowSeconds: number, private readonly prefix = 'crm:login-fail:') {}
  async blockedFor(key: string): Promise<number> {
    const k = this.prefix + key;
    const now = Date.now();
    const res = await this.redis.multi()
      .zremrangebyscore(k, 0, now - this.windowSeconds * 1000)
      .zrange(k, 0, -1, 'WITHSCORES')
      .exec();
    const flat = (res?.[1]?.[1] as string[]) ?? [];
    const times = flat.filter((_, i) => i % 2 === 1).map(Number);
    if (times.length < this.max) return 0;
    return Math.max(1, Math.ceil((times[times.length - this.max] + this.windowSeconds * 1000 - now) / 1000));
  }
  async fail(key: string): Promise<void> {
    const k = this.prefix + key;
    const now = Date.now();
    await this.redis.multi().zadd(k, now, `${now}-${Math.random()}`).expire(k, this.windowSeconds).exec();
  }
  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }
}
