import type { Redis } from 'ioredis';

/** A counter and its own limit: a username allows few failures, an office's shared IP many more. */
export interface LimitKey {
  key: string;
  max: number;
}

/**
 * Login failure limiter: at most `max` failures per key (username, client IP) within a
 * sliding window. An attempt is counted *before* the password is checked and forgiven when it
 * succeeds, so a burst of parallel guesses cannot slip past the limit while the hashes are verified.
 * Shared through Redis when configured, so every API instance sees the same counts.
 */
export interface FailureLimiter {
  /**
   * Records one attempt on every key at once. Returns `retryAfter` 0 and a ticket naming the
   * attempt, or the seconds to wait when a key is already at the limit (nothing is recorded then).
   */
  attempt(keys: LimitKey[]): Promise<Attempt>;
  /** The attempt succeeded: it no longer counts as a failure on these keys. */
  forgive(keys: string[], ticket: string): Promise<void>;
  /** Forgets every failure of a key (a successful login clears its username's failures). */
  reset(key: string): Promise<void>;
}

/**
 * `remaining`: how many more failures the tightest key allows after this attempt, were it to fail
 * (0 when the next attempt will be refused); 0 when refused.
 */
export interface Attempt {
  retryAfter: number;
  ticket: string;
  remaining: number;
}

const ticketId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
const toSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

export class MemoryFailureLimiter implements FailureLimiter {
  private readonly hits = new Map<string, { at: number; ticket: string }[]>();
  constructor(private readonly windowSeconds: number) {}

  private recent(key: string, now: number) {
    const cutoff = now - this.windowSeconds * 1000;
    const list = (this.hits.get(key) ?? []).filter((h) => h.at > cutoff);
    if (list.length) this.hits.set(key, list);
    else this.hits.delete(key);
    return list;
  }

  async attempt(keys: LimitKey[]): Promise<Attempt> {
    const now = Date.now();
    if (this.hits.size > 10_000) for (const k of [...this.hits.keys()]) this.recent(k, now);
    let waitMs = 0;
    let remaining = Infinity;
    for (const { key, max } of keys) {
      const list = this.recent(key, now);
      if (list.length >= max) waitMs = Math.max(waitMs, list[list.length - max].at + this.windowSeconds * 1000 - now);
      remaining = Math.min(remaining, max - list.length - 1);
    }
    const ticket = ticketId();
    if (waitMs > 0) return { retryAfter: toSeconds(waitMs), ticket, remaining: 0 };
    for (const { key } of keys) this.hits.set(key, [...(this.hits.get(key) ?? []), { at: now, ticket }]);
    return { retryAfter: 0, ticket, remaining: Number.isFinite(remaining) ? Math.max(0, remaining) : 0 };
  }

  async forgive(keys: string[], ticket: string): Promise<void> {
    for (const key of keys) {
      const list = (this.hits.get(key) ?? []).filter((h) => h.ticket !== ticket);
      if (list.length) this.hits.set(key, list);
      else this.hits.delete(key);
    }
  }

  async reset(key: string): Promise<void> {
    this.hits.delete(key);
  }
}

/**
 * One sorted set per key (score = time in ms, member = ticket). The check-and-record runs as one
 * Lua script, atomic across instances, on Redis's own clock so instance clock skew does not matter.
 */
const ATTEMPT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local wait = 0
local remaining = -1
for i, k in ipairs(KEYS) do
  local max = tonumber(ARGV[2 + i])
  redis.call('ZREMRANGEBYSCORE', k, '-inf', now - window)
  local n = redis.call('ZCARD', k)
  if n >= max then
    local oldest = redis.call('ZRANGE', k, n - max, n - max, 'WITHSCORES')
    local w = tonumber(oldest[2]) + window - now
    if w > wait then wait = w end
  end
  if remaining < 0 or max - n - 1 < remaining then remaining = max - n - 1 end
end
if wait > 0 then return {wait, 0} end
for _, k in ipairs(KEYS) do
  redis.call('ZADD', k, now, ARGV[2])
  redis.call('PEXPIRE', k, window)
end
if remaining < 0 then remaining = 0 end
return {0, remaining}
`;

export class RedisFailureLimiter implements FailureLimiter {
  /** Used while Redis is unreachable: logins stay limited (per instance) instead of failing. */
  private readonly fallback: MemoryFailureLimiter;
  private warned = false;

  constructor(
    private readonly redis: Redis,
    private readonly windowSeconds: number,
    private readonly prefix = 'crm:login-fail:',
  ) {
    this.fallback = new MemoryFailureLimiter(windowSeconds);
  }

  private async orFallback<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    try {
      const out = await shared();
      this.warned = false;
      return out;
    } catch (err) {
      if (!this.warned)
        console.warn(
          'login rate limit: Redis unavailable, limiting in process meanwhile:',
          err instanceof Error ? err.message : err,
        );
      this.warned = true;
      return local();
    }
  }

  async attempt(keys: LimitKey[]): Promise<Attempt> {
    const ticket = ticketId();
    return this.orFallback(
      async () => {
        const [wait, remaining] = (await this.redis.eval(
          ATTEMPT_SCRIPT,
          keys.length,
          ...keys.map((k) => this.prefix + k.key),
          this.windowSeconds * 1000,
          ticket,
          ...keys.map((k) => k.max),
        )) as [number, number];
        const waitMs = Number(wait);
        return {
          retryAfter: waitMs > 0 ? toSeconds(waitMs) : 0,
          ticket,
          remaining: waitMs > 0 ? 0 : Number(remaining),
        };
      },
      () => this.fallback.attempt(keys),
    );
  }

  async forgive(keys: string[], ticket: string): Promise<void> {
    await this.fallback.forgive(keys, ticket);
    await this.orFallback(
      async () => {
        const m = this.redis.multi();
        for (const k of keys) m.zrem(this.prefix + k, ticket);
        await m.exec();
      },
      async () => {},
    );
  }

  async reset(key: string): Promise<void> {
    await this.fallback.reset(key);
    await this.orFallback(
      async () => void (await this.redis.del(this.prefix + key)),
      async () => {},
    );
  }
}
