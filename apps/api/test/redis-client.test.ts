/**
 * The Redis client's command timeout judges Redis, not this process: a reply that came back while the
 * event loop was busy (CPU starved, a long synchronous task) past the deadline is a reply. Seen on a
 * loaded CI machine: the timer fired before the socket's data was read, the limiter took the reply
 * for an outage, dropped the connection and fell back to per-instance counts (11 password checks on
 * two instances instead of 5). A Redis that really stalls still times out: redis-outage.test.ts.
 */
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { createRedisClient, REDIS_COMMAND_TIMEOUT_MS } from '../src/lib/redis.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

it('a reply that arrived while the event loop was busy past the command timeout is not a timeout; the connection stays', async () => {
  const redis = createRedisClient(REDIS_URL);
  try {
    if (redis.status !== 'ready') await once(redis, 'ready');
    for (let i = 0; i < 3; i++) {
      const reply = redis.ping(); // written to the socket now; Redis answers within microseconds
      const until = Date.now() + REDIS_COMMAND_TIMEOUT_MS * 1.5;
      while (Date.now() < until) {
        // busy: the timer and the reply are both due when the loop turns again
      }
      await expect(reply).resolves.toBe('PONG');
      expect(redis.status).toBe('ready');
    }
  } finally {
    redis.disconnect();
  }
});
