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

const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1]) or capacity
local at = tonumber(b[2]) or now
tokens = math.min(capacity, tokens + (now - at) * capacity / 60000)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 60000)
return { allowed, tostring(tokens) }
`;

export class RedisRequestLimiter implements RequestLimiter {
  private readonly fallback = new MemoryRequestLimiter();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async take(key: string, capacity: number, cost: number): Promise<RateDecision> {
    try {
      const [allowed, tokens] = (await this.redis.eval(
        TAKE_SCRIPT,
        1,
        `${this.prefix}rate:${key}`,
        capacity,
        cost,
      )) as [number, string];
      return decide(Number(tokens), capacity, cost, allowed === 1);
    } catch {
      return this.fallback.take(key, capacity, cost);
    }
  }
}
