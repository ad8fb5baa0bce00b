import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRequestLimiter, RedisRequestLimiter } from '../src/auth/requestLimiter.js';

/**
 * The shared request limiter batches a caller's concurrent takes into one Redis call: the decisions
 * must be exactly those of one call per request (same allowed count, remaining tokens in arrival
 * order, retry-after on the refused), with fewer round trips.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `crm-test-${randomBytes(4).toString('hex')}:`;
let redis: Redis;
let calls = 0;

let scriptsSent = 0;
beforeAll(() => {
  redis = new Redis(REDIS_URL);
  // Counts the real client's calls (the script still runs on the real Redis): by its SHA1, and
  // whole (EVAL) when Redis did not know it.
  const client = redis as unknown as Record<'eval' | 'evalsha', (...args: unknown[]) => Promise<unknown>>;
  const evalReal = client.eval.bind(redis);
  const evalshaReal = client.evalsha.bind(redis);
  client.evalsha = (...args: unknown[]) => {
    calls++;
    return evalshaReal(...args);
  };
  client.eval = (...args: unknown[]) => {
    scriptsSent++;
    return evalReal(...args);
  };
});
afterAll(async () => redis?.quit());

describe('RedisRequestLimiter', () => {
  it('decides 40 concurrent takes like one call each, in fewer calls', async () => {
    const limiter = new RedisRequestLimiter(redis, prefix);
    calls = 0;
    const decisions = await Promise.all(Array.from({ length: 40 }, () => limiter.take('user:1', 25, 1)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
    // In arrival order: the first 25 pass with 24, 23 … 0 left, the others are refused with a wait.
    expect(decisions.slice(0, 25).map((d) => d.remaining)).toEqual(Array.from({ length: 25 }, (_, i) => 24 - i));
    for (const d of decisions.slice(25)) {
      expect(d.allowed).toBe(false);
      expect(d.retryAfter).toBeGreaterThanOrEqual(1);
    }
    expect(calls).toBeLessThan(40);
    expect(calls).toBeGreaterThanOrEqual(1);
    // The same as the in-process limiter decides for the same sequence.
    const memory = new MemoryRequestLimiter();
    const alone = [];
    for (let i = 0; i < 40; i++) alone.push(await memory.take('user:1', 25, 1));
    expect(decisions.map((d) => [d.allowed, d.remaining])).toEqual(alone.map((d) => [d.allowed, d.remaining]));
  });

  it('pays mixed costs in order and keeps callers apart', async () => {
    const limiter = new RedisRequestLimiter(redis, prefix);
    const [a, b, c, other] = await Promise.all([
      limiter.take('key:7', 12, 10),
      limiter.take('key:7', 12, 10),
      limiter.take('key:7', 12, 1),
      limiter.take('key:8', 12, 10),
    ]);
    expect([a.allowed, a.remaining]).toEqual([true, 2]);
    expect(b.allowed).toBe(false);
    expect([c.allowed, c.remaining]).toEqual([true, 1]);
    expect([other.allowed, other.remaining]).toEqual([true, 2]);
    // Sequential takes each see the bucket as the last one left it (shared state in Redis).
    const again = await new RedisRequestLimiter(redis, prefix).take('key:7', 12, 1);
    expect(again.remaining).toBeLessThanOrEqual(1);
  });

  it('calls the script by its SHA1, and sends it whole once when Redis has forgotten it', async () => {
    const limiter = new RedisRequestLimiter(redis, prefix);
    await limiter.take('user:9', 10, 1);
    calls = 0;
    scriptsSent = 0;
    await limiter.take('user:9', 10, 1);
    expect([calls, scriptsSent]).toEqual([1, 0]);
    // A restarted or flushed Redis knows no script (SCRIPT FLUSH only drops scripts here).
    await redis.script('FLUSH');
    const d = await limiter.take('user:9', 10, 1);
    expect([d.allowed, d.remaining]).toEqual([true, 7]);
    expect(scriptsSent).toBe(1);
    scriptsSent = 0;
    await limiter.take('user:9', 10, 1);
    expect(scriptsSent).toBe(0);
  });
});
