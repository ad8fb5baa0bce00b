/**
 * Redis outage: a TCP proxy (test/tcpProxy.ts) sits between the app and a real Redis. Down,
 * unresponsive or partitioned, Redis must cost almost nothing: logins and writes keep their
 * latency (in-process limits and caches meanwhile), nothing unhandled reaches stderr,
 * `/api/health/` says `"redis": "down"` with a 200 (degraded), and everything recovers by itself.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PASSWORD, startTestApp, type TestApp } from './helpers.js';
import { TcpProxy } from './tcpProxy.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomBytes(4).toString('hex');
let t: TestApp;
let proxy: TcpProxy;
let token: string;
const stderr: string[] = [];
let n = 0;

beforeAll(async () => {
  proxy = TcpProxy.forUrl(REDIS_URL);
  await proxy.start();
  t = await startTestApp({ env: { REDIS_URL: proxy.urlFor(REDIS_URL), REDIS_PREFIX: `crm:test:${run}:` } });
  await t.deps.sessionCache.ready();
  await t.user('alice', 'admin');
  token = (await t.as('alice')).token!;
  // Everything written to stderr from here on (ioredis reports unhandled 'error' events there).
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: any, ...rest: any[]) => {
    stderr.push(String(chunk));
    return write(chunk, ...rest);
  }) as any);
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void stderr.push(args.map(String).join(' ')));
});
afterAll(async () => {
  vi.restoreAllMocks();
  await t?.close();
  await proxy?.stop();
});

const health = () => t.app.inject({ method: 'GET', url: '/api/health/' });
const login = () =>
  t.app.inject({
    method: 'POST',
    url: '/api/auth/login/',
    remoteAddress: '10.77.0.1',
    payload: { username: 'alice', password: PASSWORD },
  });
const write = () =>
  t.app.inject({
    method: 'POST',
    url: '/api/clients/',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ nom: `Client ${++n}` }),
  });

/** Slowest of `count` sequential calls, in ms, each checked for its status. */
async function slowest(call: () => ReturnType<typeof login>, status: number, count = 6): Promise<number> {
  let worst = 0;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await call();
    worst = Math.max(worst, performance.now() - t0);
    expect(res.statusCode).toBe(status);
  }
  return worst;
}

/** Redis's share of a request must stay negligible: generous bounds (the failure mode is seconds). */
async function expectFastWithoutRedis() {
  expect(await slowest(login, 200)).toBeLessThan(1_000);
  expect(await slowest(write, 201)).toBeLessThan(1_000);
  const t0 = performance.now();
  const res = await health();
  expect(performance.now() - t0).toBeLessThan(1_500);
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({ status: 'ok', database: 'ok', redis: 'down' });
}

async function expectRecovered() {
  await proxy.start();
  await expect.poll(async () => (await health()).json().redis, { timeout: 10_000, interval: 200 }).toBe('ok');
  expect(await slowest(login, 200, 2)).toBeLessThan(1_000);
}

describe('Redis down, unreachable or partitioned', () => {
  it('Redis up: health reports it ok', async () => {
    const res = await health();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok' });
    expect(await slowest(login, 200, 2)).toBeLessThan(1_000);
  });

  it('Redis stopped (connection refused): logins and writes stay fast, health 200 with redis down; recovers by itself', async () => {
    await proxy.stop();
    await expectFastWithoutRedis();
    await expectRecovered();
  });

  it('Redis unresponsive (connections accepted, never answered): the same', async () => {
    await proxy.stop();
    await proxy.start('blackhole');
    await expectFastWithoutRedis();
    await proxy.stop();
    await expectRecovered();
  });

  it('Redis partitioned while connected: one command timeout at most, then the same', async () => {
    proxy.stall();
    await login(); // pays the command timeout (0.5 s) and trips the breaker
    await expectFastWithoutRedis();
    await proxy.stop();
    await expectRecovered();
  });

  it('logins stay rate limited meanwhile (in process)', async () => {
    await proxy.stop();
    const wrong = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/auth/login/',
        remoteAddress: '10.77.0.2',
        payload: { username: `ghost_${run}`, password: 'nope-nope-nope' },
      });
    for (let i = 0; i < 5; i++) expect((await wrong()).statusCode).toBe(401);
    expect((await wrong()).statusCode).toBe(429);
    await expectRecovered();
  });

  it('no unhandled error event on stderr during all of this', () => {
    expect(stderr.join('\n')).not.toMatch(/Unhandled error event|ECONNREFUSED|ETIMEDOUT|Command timed out/);
  });
});
