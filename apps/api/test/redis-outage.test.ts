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

/** Median time of `count` sequential calls, in ms, each checked for its status. */
async function median(call: () => ReturnType<typeof login>, status: number, count = 7): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const res = await call();
    times.push(performance.now() - t0);
    expect(res.statusCode).toBe(status);
  }
  return times.sort((a, b) => a - b)[Math.floor(count / 2)];
}

/**
 * The same calls while Redis answers (medians, ms), measured once warm. Outage timings are compared to
 * these rather than to fixed bounds: a loaded machine slows both alike, while the failure mode under
 * test (waiting on Redis) adds the command timeout (0.5 s) or the connect timeout (1 s) to each call.
 */
const healthy = { login: 0, write: 0, health: 0 };
async function measureHealthy() {
  await median(login, 200, 3); // warm-up
  await median(write, 201, 3);
  healthy.login = await median(login, 200);
  healthy.write = await median(write, 201);
  healthy.health = await median(health, 200, 3);
}

/** Redis's share of a request must stay negligible: well under one command timeout more than with Redis up. */
async function expectFastWithoutRedis() {
  expect(await median(login, 200)).toBeLessThan(healthy.login + 300);
  expect(await median(write, 201)).toBeLessThan(healthy.write + 300);
  // Health asks Redis itself: one command timeout (0.5 s) at most, not the connect timeout or more.
  const t0 = performance.now();
  const res = await health();
  expect(performance.now() - t0).toBeLessThan(healthy.health + 900);
  expect(res.statusCode).toBe(200);
  expect(res.json()).toEqual({ status: 'ok', database: 'ok', redis: 'down' });
}

async function expectRecovered() {
  await proxy.start();
  await expect.poll(async () => (await health()).json().redis, { timeout: 10_000, interval: 200 }).toBe('ok');
  expect(await median(login, 200, 3)).toBeLessThan(healthy.login + 300);
}

describe('Redis down, unreachable or partitioned', () => {
  it('Redis up: health reports it ok', async () => {
    const res = await health();
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: 'ok', redis: 'ok' });
    await measureHealthy();
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
