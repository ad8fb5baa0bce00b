import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { createApp, startTestApp, type TestApp, type RestClient } from './helpers.js';

/**
 * Request rate limits: a token bucket per API key and per user, shared through Redis between
 * instances; `RateLimit-*` headers on every answer; 429 with `Retry-After` in the contract shape
 * when the bucket is empty; heavier endpoints (exports) take more tokens.
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Redis outlives the run: bucket keys (key and user ids) must be new on every run.
const REDIS_PREFIX = `crm-test-${randomBytes(4).toString('hex')}:`;
const ENV = { RATE_LIMIT_KEY_PER_MINUTE: '5', RATE_LIMIT_USER_PER_MINUTE: '12', REDIS_URL, REDIS_PREFIX };

let t: TestApp;
let b: App;
let admin: RestClient;

beforeAll(async () => {
  t = await startTestApp({ env: ENV });
  b = await createApp({
    databaseUrl: t.dbUrl,
    env: { NODE_ENV: 'test', JWT_SECRET: 'test-secret-that-is-long-enough-0123456789', ...ENV },
    config: { secureCookies: false },
  });
  await t.user('root', 'admin');
  admin = await t.as('root');
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

const onB = (path: string, secret: string) =>
  b.app.inject({ method: 'GET', url: `/api${path}`, headers: { authorization: `Bearer ${secret}` } });

describe('rate limits', () => {
  it('limits a key across instances, with RateLimit headers and a contract-shaped 429', async () => {
    const started = Date.now();
    /** Tokens a bucket of `perMinute` got back since the test started. */
    const refilled = (perMinute: number) => Math.floor(((Date.now() - started) * perMinute) / 60_000);
    const res = await admin.post('/cles-api/', { nom: 'Intégration', scopes: ['*:lecture'] });
    const { secret } = res.json();
    const seen: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await t.anonymous().get('/clients/', { authorization: `Bearer ${secret}` });
      expect(r.statusCode).toBe(200);
      expect(r.headers['ratelimit-limit']).toBe('5');
      expect(r.headers['ratelimit-policy']).toBe('5;w=60');
      seen.push(Number(r.headers['ratelimit-remaining']));
    }
    expect(seen).toEqual([4, 3, 2]);
    // The other instance shares the bucket through Redis: 2 tokens left there, not 5. The bucket
    // refills continuously (one token per 12 s at 5/min): on a loaded machine the calls may take long
    // enough for one to come back, so count what B lets through and allow for the elapsed time.
    let passedOnB = 0;
    let refused = await onB('/clients/', secret);
    while (refused.statusCode === 200 && passedOnB < 10) {
      passedOnB++;
      refused = await onB('/clients/', secret);
    }
    expect(passedOnB).toBeGreaterThanOrEqual(2);
    expect(passedOnB).toBeLessThanOrEqual(2 + refilled(5));
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS', fieldErrors: {} });
    expect(refused.json().message).toMatch(/Trop de requêtes/);
    // One token refills every 12 s at 5/min.
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(12);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    // Over tRPC too.
    const trpc = await t.app.inject({
      method: 'GET',
      url: '/trpc/clients.list?input=%7B%7D',
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(trpc.statusCode).toBe(429);
    expect(trpc.headers['retry-after']).toBeDefined();
  });

  it('limits users (sessions) on their own bucket, and exports cost more', async () => {
    await t.user('paul', 'commercial');
    const paul = await t.as('paul');
    const started = Date.now();
    // One token back every 5 s at 12/min: a loaded machine may take that long over these calls.
    const refilled = () => Math.floor(((Date.now() - started) * 12) / 60_000);
    const first = await paul.get('/clients/');
    expect(first.headers['ratelimit-limit']).toBe('12');
    expect(first.headers['ratelimit-remaining']).toBe('11');
    // A report export takes 10 tokens: 1 left.
    const exp = await paul.post('/rapports/export/', { rapport: 'clients', format: 'csv', filtres: {} });
    expect(exp.statusCode, exp.body).toBe(200);
    const left = Number(exp.headers['ratelimit-remaining']);
    expect(left).toBeGreaterThanOrEqual(1);
    expect(left).toBeLessThanOrEqual(1 + refilled());
    let passed = 0;
    let refused = await paul.get('/clients/');
    while (refused.statusCode === 200 && passed < 10) {
      passed++;
      refused = await paul.get('/clients/');
    }
    expect(passed).toBeGreaterThanOrEqual(1);
    expect(passed).toBeLessThanOrEqual(1 + refilled());
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    // Another user is not affected.
    expect((await admin.get('/clients/')).statusCode).toBe(200);
  });

  it('falls back to in-process limits when Redis is unreachable (requests still answered)', async () => {
    const local = await createApp({
      databaseUrl: t.dbUrl,
      env: {
        NODE_ENV: 'test',
        JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
        ...ENV,
        REDIS_URL: 'redis://127.0.0.1:1',
      },
      config: { secureCookies: false },
    });
    try {
      const { secret } = (await admin.post('/cles-api/', { nom: 'Sans Redis', scopes: ['*:lecture'] })).json();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push(
          (
            await local.app.inject({
              method: 'GET',
              url: '/api/clients/',
              headers: { authorization: `Bearer ${secret}` },
            })
          ).statusCode,
        );
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    } finally {
      await local.close();
    }
  });
});
