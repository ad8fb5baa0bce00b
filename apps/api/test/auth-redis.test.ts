import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import type { App } from '../src/app.js';
import { createApp, PASSWORD, startTestApp, type TestApp } from './helpers.js';

/**
 * Revocation with REDIS_URL set, where validated sessions may be cached in process: two API
 * instances on one database and one Redis. A logout, a refresh-token replay, a password change or
 * a deactivation on one instance is refused on the other at once.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ENV = { NODE_ENV: 'test', JWT_SECRET: 'test-secret-that-is-long-enough-0123456789', REDIS_URL };

let a: TestApp;
let b: App;
let adminId: number;

beforeAll(async () => {
  a = await startTestApp({ env: { REDIS_URL } });
  b = await createApp({ databaseUrl: a.dbUrl, env: ENV, config: { secureCookies: false } });
  await Promise.all([a.deps.sessionCache.ready(), b.deps.sessionCache.ready()]);
  adminId = await a.user(name('admin'), 'admin');
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

// Redis outlives the run: the login limiter's keys (username, IP) must be new on every run.
const run = randomBytes(3);
const name = (base: string) => `${base}_${run.toString('hex')}`;
let ip = 0;
function call(app: App, method: string, url: string, opts: { token?: string; body?: unknown } = {}) {
  return app.app.inject({
    method: method as any,
    url,
    remoteAddress: `10.${run[0]}.${run[1]}.${++ip % 250}`,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    payload: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
  });
}
async function login(app: App, username: string, password = PASSWORD) {
  const res = await call(app, 'POST', '/api/auth/login/', { body: { username, password } });
  expect(res.statusCode).toBe(200);
  return res.json() as { access: string; refresh: string; user: { id: number } };
}
/** Uses the token on both instances (so both may have cached the session), checks it works. */
async function warm(token: string) {
  for (const app of [a, b])
    for (let i = 0; i < 2; i++) expect((await call(app, 'GET', '/api/auth/user/', { token })).statusCode).toBe(200);
}
async function expectRefusedEverywhere(token: string) {
  for (const app of [a, b]) expect((await call(app, 'GET', '/api/auth/user/', { token })).statusCode).toBe(401);
}

describe('two instances, one database, one Redis', () => {
  it('logout on A → the token is refused on A and B at once', async () => {
    await a.user(name('u1'));
    const s = await login(b, name('u1'));
    await warm(s.access);
    expect((await call(a, 'POST', '/api/auth/logout/', { token: s.access })).statusCode).toBe(204);
    await expectRefusedEverywhere(s.access);
  });

  it('refresh-token replay on B → the session’s access tokens are refused on A and B at once', async () => {
    await a.user(name('u2'));
    const first = await login(a, name('u2'));
    const second = (await call(b, 'POST', '/api/auth/refresh/', { body: { refresh: first.refresh } })).json();
    await warm(second.access);
    expect((await call(b, 'POST', '/api/auth/refresh/', { body: { refresh: first.refresh } })).statusCode).toBe(401);
    await expectRefusedEverywhere(second.access);
  });

  it('password change on A → the other sessions are refused on B at once, the current one keeps working', async () => {
    await a.user(name('u3'));
    const current = await login(a, name('u3'));
    const other = await login(b, name('u3'));
    await warm(current.access);
    await warm(other.access);
    const res = await call(a, 'PUT', '/api/auth/password/change/', {
      token: current.access,
      body: { oldPassword: PASSWORD, newPassword: 'Changed-pass-2026' },
    });
    expect(res.statusCode).toBe(204);
    await expectRefusedEverywhere(other.access);
    for (const app of [a, b])
      expect((await call(app, 'GET', '/api/auth/user/', { token: current.access })).statusCode).toBe(200);
  });

  it('deactivation by an admin on B → every session of the user is refused on A at once', async () => {
    const id = await a.user(name('u4'));
    const s1 = await login(a, name('u4'));
    const s2 = await login(b, name('u4'));
    await warm(s1.access);
    await warm(s2.access);
    const admin = await login(a, name('admin'));
    const res = await call(b, 'PATCH', `/api/users/${id}/`, { token: admin.access, body: { isActive: false } });
    expect(res.statusCode).toBe(200);
    await expectRefusedEverywhere(s1.access);
    await expectRefusedEverywhere(s2.access);
    expect(
      (await call(a, 'POST', '/api/auth/login/', { body: { username: name('u4'), password: PASSWORD } })).statusCode,
    ).toBe(401);
  });

  it('a role change by an admin applies on the other instance at once', async () => {
    const id = await a.user(name('u5'), 'manager');
    const s = await login(a, name('u5'));
    await warm(s.access);
    const admin = await login(b, name('admin'));
    const client = (await call(a, 'POST', '/api/clients/', { token: admin.access, body: { nom: 'Pour u5' } })).json();
    expect(
      (await call(b, 'PATCH', `/api/users/${id}/`, { token: admin.access, body: { role: 'commercial' } })).statusCode,
    ).toBe(200);
    // Now a commercial: may not delete (403), on either instance.
    for (const app of [a, b])
      expect((await call(app, 'DELETE', `/api/clients/${client.id}/`, { token: s.access })).statusCode).toBe(403);
    expect(decodeJwt(s.access).sub).toBe(String(id));
    expect(adminId).toBeGreaterThan(0);
  });
});
