/**
 * Scale-out proof: two API instances (two createApp) on the SAME database, both with Redis, behave
 * like one: a logout on A is refused on B at once, login failures on A and B add up to the limit,
 * and B's session cache learns at once about a role change made on A.
 * Needs Redis at REDIS_URL (default redis://127.0.0.1:6379), like `.ci/run` provides.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@crm/db';
import type { App } from '../src/app.js';
import { sql } from '../src/lib/sql/runner.js';
import { createApp, PASSWORD, testPasswordHash } from './helpers.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const env = { NODE_ENV: 'test', JWT_SECRET: 'scale-test-secret-that-is-long-enough-0123', REDIS_URL };
const run = randomBytes(4).toString('hex');

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let a: App;
let b: App;

/** A request from its own client IP, so these tests never spend 127.0.0.1's login budget in the shared Redis. */
function call(app: App, method: string, url: string, opts: { token?: string; body?: unknown; ip?: string } = {}) {
  return app.app.inject({
    method: method as any,
    url,
    remoteAddress: opts.ip ?? `10.${run.charCodeAt(0)}.${run.charCodeAt(1)}.${run.charCodeAt(2)}`,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    payload: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
}

async function login(app: App, username: string, password = PASSWORD): Promise<string> {
  const res = await call(app, 'POST', '/api/auth/login/', { body: { username, password } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().access;
}

async function user(username: string, role: 'admin' | 'manager' | 'commercial'): Promise<number> {
  const [row] = await sql(
    a.orm.em.fork(),
    `insert into users (username, email, password_hash, role) values (?, ?, ?, ?) returning id`,
    [username, `${username}@example.fr`, await testPasswordHash(), role],
  );
  return row.id;
}

/** SQL statements instance `app` sends while `fn` runs. */
async function statementsOf<T>(app: App, fn: () => Promise<T>): Promise<{ result: T; count: number }> {
  let count = 0;
  const knex = app.orm.em.getConnection().getKnex();
  const listener = () => count++;
  knex.on('query', listener);
  try {
    return { result: await fn(), count };
  } finally {
    knex.off('query', listener);
  }
}

beforeAll(async () => {
  db = await createTestDatabase('crm_test', { template: true });
  a = await createApp({ databaseUrl: db.url, env, config: { secureCookies: false } });
  b = await createApp({ databaseUrl: db.url, env, config: { secureCookies: false } });
  await Promise.all([a.deps.sessionCache.ready(), b.deps.sessionCache.ready()]);
  await user('admin', 'admin');
  await user('alice', 'commercial');
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await db?.release();
});

describe('two instances on one database and one Redis', () => {
  it('caches validated sessions: a repeated request on B sends one statement fewer', async () => {
    const token = await login(a, 'alice');
    const first = await statementsOf(b, () => call(b, 'GET', '/api/clients/?pageSize=1', { token }));
    const second = await statementsOf(b, () => call(b, 'GET', '/api/clients/?pageSize=1', { token }));
    expect(first.result.statusCode).toBe(200);
    expect(second.result.statusCode).toBe(200);
    expect(second.count).toBe(first.count - 1);
  });

  it('logout on A: the same access token is refused (401) on B at once, even though B had it cached', async () => {
    const token = await login(a, 'alice');
    expect((await call(b, 'GET', '/api/auth/user/', { token })).statusCode).toBe(200);
    expect((await call(b, 'GET', '/api/auth/user/', { token })).statusCode).toBe(200); // now from B's cache
    expect((await call(a, 'POST', '/api/auth/logout/', { token })).statusCode).toBe(204);
    const onB = await call(b, 'GET', '/api/auth/user/', { token });
    expect(onB.statusCode).toBe(401);
    expect(onB.json().code).toBe('UNAUTHORIZED');
    expect((await call(a, 'GET', '/api/auth/user/', { token })).statusCode).toBe(401);
  });

  it('password change on B revokes the other sessions on A at once', async () => {
    await user(`carol_${run}`, 'commercial');
    const older = await login(a, `carol_${run}`);
    const current = await login(b, `carol_${run}`);
    expect((await call(a, 'GET', '/api/auth/user/', { token: older })).statusCode).toBe(200); // cached on A
    const change = await call(b, 'PUT', '/api/auth/password/change/', {
      token: current,
      body: { oldPassword: PASSWORD, newPassword: 'Un-autre-secret-2026' },
    });
    expect(change.statusCode, change.body).toBe(204);
    expect((await call(a, 'GET', '/api/auth/user/', { token: older })).statusCode).toBe(401);
    expect((await call(a, 'GET', '/api/auth/user/', { token: current })).statusCode).toBe(200);
  });

  it('a role change made on A reaches the session cached on B at once (cache invalidated across instances)', async () => {
    const daveId = await user(`dave_${run}`, 'commercial');
    const admin = await login(a, 'admin');
    await call(a, 'POST', '/api/clients/', { token: admin, body: { nom: `Client de l'admin ${run}` } });
    const dave = await login(b, `dave_${run}`);
    const before = await call(b, 'GET', '/api/clients/', { token: dave });
    expect(before.json().count).toBe(0); // a commercial sees only their own clients
    expect((await call(b, 'GET', '/api/clients/', { token: dave })).json().count).toBe(0); // cached session
    const promote = await call(a, 'PATCH', `/api/users/${daveId}/`, { token: admin, body: { role: 'manager' } });
    expect(promote.statusCode, promote.body).toBe(200);
    const after = await call(b, 'GET', '/api/clients/', { token: dave });
    expect(after.statusCode).toBe(200);
    expect(after.json().count).toBeGreaterThan(0); // a manager sees everything
  });

  it('deactivation on A refuses the user on B at once', async () => {
    const eveId = await user(`eve_${run}`, 'commercial');
    const admin = await login(a, 'admin');
    const eve = await login(a, `eve_${run}`);
    expect((await call(b, 'GET', '/api/auth/user/', { token: eve })).statusCode).toBe(200);
    expect(
      (await call(a, 'PATCH', `/api/users/${eveId}/`, { token: admin, body: { isActive: false } })).statusCode,
    ).toBe(200);
    expect((await call(b, 'GET', '/api/auth/user/', { token: eve })).statusCode).toBe(401);
  });

  it('login failures split across A and B add up to the limit (429 with Retry-After on both)', async () => {
    const username = `ghost_${run}`;
    const ip = `10.250.${randomBytes(1)[0]}.${randomBytes(1)[0]}`;
    for (let i = 0; i < 5; i++) {
      const res = await call(i % 2 ? b : a, 'POST', '/api/auth/login/', {
        body: { username, password: 'wrong-password-123' },
        ip,
      });
      expect(res.statusCode, `attempt ${i + 1}`).toBe(401);
    }
    for (const app of [a, b]) {
      const res = await call(app, 'POST', '/api/auth/login/', {
        body: { username, password: 'wrong-password-123' },
        ip,
      });
      expect(res.statusCode).toBe(429);
      expect(res.json().code).toBe('TOO_MANY_REQUESTS');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    }
  });

  it('big-list counts cached on B are dropped when A writes a client', async () => {
    const cache = b.deps.countCache;
    const key = 'test-key';
    await cache.count(key, async () => cache.threshold + 1);
    expect(await cache.count(key, async () => -1)).toBe(cache.threshold + 1); // cached
    const admin = await login(a, 'admin');
    expect((await call(a, 'POST', '/api/clients/', { token: admin, body: { nom: `Nouveau ${run}` } })).statusCode).toBe(
      201,
    );
    await expect.poll(() => cache.count(key, async () => 7), { timeout: 1000 }).toBe(7);
  });
});
