import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Request rate limits of API keys and users: a token bucket per caller (`capacity` tokens, refilled
 * continuously at `capacity` per minute). A request takes `cost` tokens (heavier endpoints cost
 * more); when the bucket cannot pay, the answer is 429 with the seconds to wait. Shared through Redis
 * when configured (one atomic Lua script on Redis's clock), in process otherwise or while Redis is
 * unreachable (limits then hold per instance instead of failing requests).
 */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds to wait before this request could pass (0 when allowed). */
  retryAfter: number;
}

export interface RequestLimiter {
  take(key: string, capacity: number, cost: number): Promise<RateDecision>;
}

function decide(tokens: number, capacity: number, cost: number, allowed: boolean): RateDecision {
  const perMs = capacity / 60_000;
  const remaining = Math.max(0, Math.floor(tokens));
  return {
    allowed,
    limit: capacity,
    remaining,
    resetSeconds: Math.ceil((capacity - tokens) / perMs / 1000),
    retryAfter: allowed ? 0 : Math.max(1, Math.ceil((cost - tokens) / perMs / 1000)),
  };
}

export class MemoryRequestLimiter implements RequestLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  async take(key: string, capacity: number, cost: number): Promise<RateDecision> {
    const now = Date.now();
    if (this.buckets.size > 50_000) this.sweep(now, capacity);
    const b = this.buckets.get(key) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) * capacity) / 60_000);
    b.at = now;
    const allowed = b.tokens >= cost;
    if (allowed) b.tokens -= cost;
    this.buckets.set(key, b);
    return decide(b.tokens, capacity, cost, allowed);
  }

  /** Full buckets carry no information: drop them. */
  private sweep(now: number, capacity: number): void {
    for (const [k, b] of this.buckets)
      if (b.tokens + ((now - b.at) * capacity) / 60_000 >= capacity) this.buckets.delete(k);
  }
}

/**
 * Takes the costs ARGV[2..] from one bucket of capacity ARGV[1], in order, each as far as the bucket
 * can pay it; returns, per cost, whether it was allowed and the tokens left after it.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or capacity
local at = tonumber(b[2]) or now
tokens = math.min(capacity, tokens + (now - at) * capacity / 60000)
local out = {}
for i = 2, #ARGV do
  local cost = tonumber(ARGV[i])
  if tokens >= cost then
    tokens = tokens - cost
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
  out[#out + 1] = tostring(tokens)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
return out
`;

/** The script's name on Redis: EVALSHA sends 40 bytes where EVAL sent the ~800-byte script, hashed by Redis on every call. */
const TAKE_SHA = createHash('sha1').update(TAKE_SCRIPT).digest('hex');

/** Most takes one Redis call carries (the rest wait for the next). */
const MAX_BATCH = 64;

interface Waiter {
  cost: number;
  resolve: (d: RateDecision) => void;
}

/**
 * The shared bucket in Redis. One call per caller at a time: the takes of a caller that arrive while
 * its call is out (a busy integration, a user's parallel requests) wait for it, then go together in
 * the next call, each decided in arrival order as if sent alone. The decisions are the same as one
 * call per request; a burst costs one Redis round trip per batch instead of one per request.
 */
export class RedisRequestLimiter implements RequestLimiter {
  private readonly fallback = new MemoryRequestLimiter();
  private readonly waiting = new Map<string, { capacity: number; waiters: Waiter[] }>();
  private readonly sending = new Set<string>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  take(key: string, capacity: number, cost: number): Promise<RateDecision> {
    return new Promise((resolve) => {
      let q = this.waiting.get(key);
      if (!q) {
        q = { capacity, waiters: [] };
        this.waiting.set(key, q);
      }
      q.waiters.push({ cost, resolve });
      if (!this.sending.has(key)) void this.send(key);
    });
  }

  /** The script by its SHA1; sent whole only when this Redis does not know it yet (restarted, flushed). */
  private async run(bucket: string, args: number[]): Promise<unknown> {
    try {
      return await this.redis.evalsha(TAKE_SHA, 1, bucket, ...args);
    } catch (err) {
      if (!String((err as Error)?.message).startsWith('NOSCRIPT')) throw err;
      return this.redis.eval(TAKE_SCRIPT, 1, bucket, ...args);
    }
  }

  private async send(key: string): Promise<void> {
    const q = this.waiting.get(key);
    if (!q) return;
    const batch = q.waiters.splice(0, MAX_BATCH);
    if (!q.waiters.length) this.waiting.delete(key);
    this.sending.add(key);
    try {
      const out = (await this.run(`${this.prefix}rate:${key}`, [q.capacity, ...batch.map((w) => w.cost)])) as Array<
        number | string
      >;
      batch.forEach((w, i) => {
        w.resolve(decide(Number(out[2 * i + 1]), q.capacity, w.cost, out[2 * i] === 1));
      });
    } catch {
      for (const w of batch) w.resolve(await this.fallback.take(key, q.capacity, w.cost));
    } finally {
      this.sending.delete(key);
      if (this.waiting.has(key)) void this.send(key);
    }
  }
}
