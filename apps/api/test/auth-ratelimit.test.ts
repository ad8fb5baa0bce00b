import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { PASSWORD, startTestApp, type TestApp } from './helpers.js';
import { MemoryFailureLimiter, RedisFailureLimiter } from '../src/auth/rateLimit.js';

/**
 * Login rate limit: after 5 failures for one username or 30 from one IP within 15 minutes → 429 with
 * Retry-After, even with the right password. In memory without Redis; shared by every instance
 * through Redis when REDIS_URL is set. Names and IPs are unique per run so that parallel test
 * files and earlier runs never share a Redis key.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = randomBytes(4).toString('hex');
let n = 0;
const uniqueName = (base: string) => `${base}_${run}_${++n}`;
const uniqueIp = () => `10.${parseInt(run.slice(0, 2), 16)}.${parseInt(run.slice(2, 4), 16)}.${++n % 250}`;

function login(t: TestApp, username: string, password: string, ip: string, path: 'rest' | 'trpc' = 'rest') {
  return t.app.inject({
    method: 'POST',
    url: path === 'rest' ? '/api/auth/login/' : '/trpc/auth.login',
    remoteAddress: ip,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ username, password }),
  });
}

function expect429(res: Awaited<ReturnType<typeof login>>) {
  expect(res.statusCode).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  expect(res.cookies).toEqual([]);
}

describe('in-memory limiter (no REDIS_URL)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('uses the in-process limiter', () => {
    expect(t.deps.loginLimiter).toBeInstanceOf(MemoryFailureLimiter);
  });

  it('5 failures for one username → 429 with Retry-After even with the right password, from any IP', async () => {
    const name = uniqueName('victim');
    await t.user(name);
    for (let i = 0; i < 5; i++) expect((await login(t, name, `wrong-${i}`, uniqueIp())).statusCode).toBe(401);
    const res = await login(t, name, PASSWORD, uniqueIp());
    expect429(res);
    expect(res.json()).toEqual({
      code: 'TOO_MANY_REQUESTS',
      message: 'Trop de tentatives. Réessayez plus tard.',
      fieldErrors: {},
    });
    // The e-mail names the same account: blocked too.
    expect429(await login(t, `${name}@example.fr`, PASSWORD, uniqueIp()));
    // tRPC answers the same 429 with the header.
    const trpc = await login(t, name, PASSWORD, uniqueIp(), 'trpc');
    expect429(trpc);
    expect(trpc.json().error.data.code).toBe('TOO_MANY_REQUESTS');
  });

  it('each failed login says how many failures remain before the lockout (RateLimit-Remaining), for known and unknown names alike', async () => {
    const name = uniqueName('countdown');
    await t.user(name);
    for (const who of [name, uniqueName('nobody')]) {
      const left: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await login(t, who, 'nope', uniqueIp());
        expect(res.statusCode).toBe(401);
        left.push(String(res.headers['ratelimit-remaining']));
      }
      expect(left).toEqual(['4', '3', '2', '1', '0']);
      const blocked = await login(t, who, PASSWORD, uniqueIp(), 'trpc');
      expect429(blocked);
      expect(blocked.headers['ratelimit-remaining']).toBe('0');
    }
    // The IP's budget counts too: the tightest one is told.
    const ip = `192.168.${parseInt(run.slice(0, 2), 16)}.${parseInt(run.slice(2, 4), 16)}`;
    for (let i = 0; i < 27; i++) await login(t, uniqueName('ghost'), 'x', ip);
    expect((await login(t, uniqueName('fresh'), 'x', ip)).headers['ratelimit-remaining']).toBe('2');
  });

  it('4 failures are still allowed, and a success clears the username’s failures', async () => {
    const name = uniqueName('almost');
    await t.user(name);
    for (let i = 0; i < 4; i++) await login(t, name, 'nope', uniqueIp());
    expect((await login(t, name, PASSWORD, uniqueIp())).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login(t, name, 'nope', uniqueIp())).statusCode).toBe(401);
    expect((await login(t, name, PASSWORD, uniqueIp())).statusCode).toBe(200);
  });

  it('username and e-mail share one budget (3 + 2 failures → blocked)', async () => {
    const name = uniqueName('mixed');
    await t.user(name);
    for (let i = 0; i < 3; i++) await login(t, name, 'nope', uniqueIp());
    for (let i = 0; i < 2; i++) await login(t, `${name}@EXAMPLE.fr`, 'nope', uniqueIp());
    expect429(await login(t, name, PASSWORD, uniqueIp()));
  });

  it('an office behind one IP survives one person’s typos: 5 failures of one user leave the others logging in', async () => {
    const ip = uniqueIp();
    const [typo, colleague] = [uniqueName('typo'), uniqueName('colleague')];
    await t.user(typo);
    await t.user(colleague);
    for (let i = 0; i < 5; i++) expect((await login(t, typo, `wrong-${i}`, ip)).statusCode).toBe(401);
    expect429(await login(t, typo, PASSWORD, ip));
    expect((await login(t, colleague, PASSWORD, ip)).statusCode).toBe(200);
  });

  it('30 failures from one IP (any usernames) → that IP gets 429 even for a good login; other IPs are unaffected', async () => {
    const ip = uniqueIp();
    const good = uniqueName('good');
    await t.user(good);
    for (let i = 0; i < 29; i++) expect((await login(t, uniqueName('ghost'), 'x', ip)).statusCode).toBe(401);
    // A success in between does not erase the IP's failures.
    expect((await login(t, good, PASSWORD, ip)).statusCode).toBe(200);
    expect((await login(t, uniqueName('ghost'), 'x', ip)).statusCode).toBe(401);
    expect429(await login(t, good, PASSWORD, ip));
    expect((await login(t, good, PASSWORD, uniqueIp())).statusCode).toBe(200);
  });

  it('successful logins from one IP never count against it', async () => {
    const ip = uniqueIp();
    const name = uniqueName('busy');
    await t.user(name);
    for (let i = 0; i < 8; i++) expect((await login(t, name, PASSWORD, ip)).statusCode).toBe(200);
  });

  it('a burst of parallel guesses cannot slip past the limit', async () => {
    const name = uniqueName('burst');
    await t.user(name);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => login(t, name, `guess-${i}`, uniqueIp())));
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401).length).toBe(5);
    expect(codes.filter((c) => c === 429).length).toBe(15);
  });

  it('failures are audited (login_failed), blocked attempts do not reach the password check', async () => {
    const name = uniqueName('audited');
    await t.user(name);
    for (let i = 0; i < 7; i++) await login(t, name, 'nope', uniqueIp());
    const [row] = await t.sql(
      `select count(*)::int as n from audit_log where action = 'login_failed' and details->>'username' = ?`,
      [name],
    );
    expect(row.n).toBe(5);
  });

  it('the window slides: failures older than 15 minutes no longer count', async () => {
    const limiter = new MemoryFailureLimiter(1);
    for (let i = 0; i < 5; i++) expect((await limiter.attempt([{ key: 'k', max: 5 }])).retryAfter).toBe(0);
    expect((await limiter.attempt([{ key: 'k', max: 5 }])).retryAfter).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await limiter.attempt([{ key: 'k', max: 5 }])).retryAfter).toBe(0);
  });
});

describe('Redis limiter shared by two API instances (REDIS_URL)', () => {
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  const touched: string[] = [];
  beforeAll(async () => {
    [a, b] = await Promise.all([startTestApp({ env: { REDIS_URL } }), startTestApp({ env: { REDIS_URL } })]);
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    if (touched.length) await redis.del(...touched.map((k) => `crm:login-fail:${k}`));
    redis?.disconnect();
    await Promise.all([a?.close(), b?.close()]);
  });

  it('both instances use the Redis limiter', () => {
    expect(a.deps.loginLimiter).toBeInstanceOf(RedisFailureLimiter);
    expect(b.deps.loginLimiter).toBeInstanceOf(RedisFailureLimiter);
  });

  it('failures on one instance count on the other: 3 on A + 2 on B → 429 on both, right password included', async () => {
    const name = uniqueName('shared');
    touched.push(`u:${name}`);
    // Two databases (one per test app), one user name: the username key is what they share.
    await a.user(name);
    await b.user(name);
    for (let i = 0; i < 3; i++) expect((await login(a, name, 'wrong', uniqueIp())).statusCode).toBe(401);
    for (let i = 0; i < 2; i++) expect((await login(b, name, 'wrong', uniqueIp())).statusCode).toBe(401);
    expect429(await login(a, name, PASSWORD, uniqueIp()));
    expect429(await login(b, name, PASSWORD, uniqueIp()));
    const ttl = await redis.pttl(`crm:login-fail:u:${name}`);
    expect(ttl).toBeGreaterThan(14 * 60 * 1000);
    expect(ttl).toBeLessThanOrEqual(15 * 60 * 1000);
  });

  it('the failures left (RateLimit-Remaining) are counted across instances', async () => {
    const name = uniqueName('leftredis');
    touched.push(`u:${name}`);
    await a.user(name);
    const left: string[] = [];
    for (let i = 0; i < 5; i++)
      left.push(String((await login(i % 2 ? a : b, name, 'wrong', uniqueIp())).headers['ratelimit-remaining']));
    expect(left).toEqual(['4', '3', '2', '1', '0']);
    expect((await login(a, name, PASSWORD, uniqueIp())).headers['ratelimit-remaining']).toBe('0');
  });

  it('the per-IP limit is shared too', async () => {
    const ip = uniqueIp();
    touched.push(`ip:${ip}`);
    const good = uniqueName('goodredis');
    await b.user(good);
    for (let i = 0; i < 30; i++) {
      const ghost = uniqueName('ghost');
      touched.push(`u:${ghost}`);
      expect((await login(i % 2 ? a : b, ghost, 'x', ip)).statusCode).toBe(401);
    }
    expect429(await login(b, good, PASSWORD, ip));
    expect((await login(b, good, PASSWORD, uniqueIp())).statusCode).toBe(200);
  });

  it('a parallel burst spread over both instances gets exactly 5 password checks', async () => {
    const name = uniqueName('burstredis');
    touched.push(`u:${name}`);
    await a.user(name);
    await b.user(name);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => login(i % 2 ? a : b, name, `guess-${i}`, uniqueIp())),
    );
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401).length).toBe(5);
    expect(codes.filter((c) => c === 429).length).toBe(15);
  });

  it('a success clears the username’s failures on every instance', async () => {
    const name = uniqueName('clears');
    touched.push(`u:${name}`);
    await a.user(name);
    await b.user(name);
    for (let i = 0; i < 4; i++) await login(a, name, 'wrong', uniqueIp());
    expect((await login(b, name, PASSWORD, uniqueIp())).statusCode).toBe(200);
    expect(await redis.exists(`crm:login-fail:u:${name}`)).toBe(0);
    for (let i = 0; i < 4; i++) expect((await login(a, name, 'wrong', uniqueIp())).statusCode).toBe(401);
    expect((await login(a, name, PASSWORD, uniqueIp())).statusCode).toBe(200);
  });

  it('while Redis is unreachable, logins are still limited (in process) instead of failing', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    const limiter = new RedisFailureLimiter(down, 60, `crm:test:${run}:`);
    const warn = console.warn;
    console.warn = () => {};
    try {
      expect((await limiter.attempt([{ key: 'k', max: 2 }])).retryAfter).toBe(0);
      const { ticket } = await limiter.attempt([{ key: 'k', max: 2 }]);
      expect((await limiter.attempt([{ key: 'k', max: 2 }])).retryAfter).toBeGreaterThan(0);
      await limiter.forgive(['k'], ticket);
      expect((await limiter.attempt([{ key: 'k', max: 2 }])).retryAfter).toBe(0);
      await limiter.reset('k');
      expect((await limiter.attempt([{ key: 'k', max: 2 }])).retryAfter).toBe(0);
    } finally {
      console.warn = warn;
      down.disconnect();
    }
  });

  it('the window slides in Redis too (short window, own key prefix)', async () => {
    const limiter = new RedisFailureLimiter(redis, 1, `crm:test:${run}:`);
    expect((await limiter.attempt([{ key: 'w', max: 2 }])).retryAfter).toBe(0);
    expect((await limiter.attempt([{ key: 'w', max: 2 }])).retryAfter).toBe(0);
    expect((await limiter.attempt([{ key: 'w', max: 2 }])).retryAfter).toBe(1);
    await new Promise((r) => setTimeout(r, 1100));
    const { retryAfter, ticket } = await limiter.attempt([{ key: 'w', max: 2 }]);
    expect(retryAfter).toBe(0);
    await limiter.forgive(['w'], ticket);
    expect(await redis.zcard(`crm:test:${run}:w`)).toBe(0);
  });
});

describe('behind proxies (TRUST_PROXY): the client IP cannot be chosen by the client', () => {
  let oneHop: TestApp;
  let listed: TestApp;
  beforeAll(async () => {
    [oneHop, listed] = await Promise.all([
      startTestApp({ env: { TRUST_PROXY: '1' } }),
      startTestApp({ env: { TRUST_PROXY: '10.9.0.1, 10.9.0.2' } }),
    ]);
  });
  afterAll(async () => Promise.all([oneHop?.close(), listed?.close()]));

  const viaProxy = (t: TestApp, username: string, password: string, socketIp: string, forwardedFor: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/login/',
      remoteAddress: socketIp,
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      payload: JSON.stringify({ username, password }),
    });
  const lastFailureIp = async (t: TestApp, username: string) =>
    (
      await t.sql(
        `select ip from audit_log where action = 'login_failed' and details->>'username' = ? order by id desc limit 1`,
        [username],
      )
    )[0]?.ip;

  it('one trusted hop: rotating the left part of X-Forwarded-For does not escape the per-IP limit', async () => {
    const client = uniqueIp();
    const good = uniqueName('office');
    await oneHop.user(good);
    for (let i = 0; i < 30; i++) {
      const res = await viaProxy(oneHop, uniqueName('ghost'), 'x', '192.168.50.1', `203.0.113.${i}, ${client}`);
      expect(res.statusCode).toBe(401);
    }
    expect429(await viaProxy(oneHop, good, PASSWORD, '192.168.50.1', `198.51.100.7, ${client}`));
    // Another client behind the same proxy is unaffected.
    expect((await viaProxy(oneHop, good, PASSWORD, '192.168.50.1', uniqueIp())).statusCode).toBe(200);
  });

  it('one trusted hop: the address the proxy saw is the client IP (audited)', async () => {
    const name = uniqueName('seen');
    await viaProxy(oneHop, name, 'x', '192.168.50.1', '1.1.1.1, 203.0.113.99');
    expect(await lastFailureIp(oneHop, name)).toBe('203.0.113.99');
  });

  it('a list of proxies: the right-most address not added by a listed proxy', async () => {
    const name = uniqueName('listed');
    await viaProxy(listed, name, 'x', '10.9.0.1', '6.6.6.6, 203.0.113.5, 10.9.0.2');
    expect(await lastFailureIp(listed, name)).toBe('203.0.113.5');
    // Not from a listed proxy: its header is ignored.
    const direct = uniqueName('direct');
    await viaProxy(listed, direct, 'x', '198.51.100.20', '6.6.6.6');
    expect(await lastFailureIp(listed, direct)).toBe('198.51.100.20');
  });
});
