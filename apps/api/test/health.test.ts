/**
 * Database outage: a TCP proxy (test/tcpProxy.ts) sits between the app and PostgreSQL. Stopping
 * it, leaving it unresponsive, or stalling it like a network partition (connections open, nothing
 * forwarded) makes /api/health/ answer 503 within 3 s and requests fail with a contract-shaped 503
 * and Retry-After (no stack, no SQL); once it forwards again, everything is served without
 * restarting the app.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@crm/db';
import type { App } from '../src/app.js';
import { sql } from '../src/lib/sql/runner.js';
import { createApp, PASSWORD, testPasswordHash } from './helpers.js';
import { TcpProxy } from './tcpProxy.js';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: TcpProxy;
let app: App;
let token: string;

const get = (url: string, auth = true) =>
  app.app.inject({ method: 'GET', url, headers: auth ? { authorization: `Bearer ${token}` } : {} });

beforeAll(async () => {
  db = await createTestDatabase('crm_test', { template: true });
  proxy = TcpProxy.forUrl(db.url);
  await proxy.start();
  app = await createApp({
    databaseUrl: proxy.urlFor(db.url),
    env: { NODE_ENV: 'test', JWT_SECRET: 'health-test-secret-that-is-long-enough-0123' },
    // Short statement bound so that the partition test runs in seconds (default 10 s).
    config: { secureCookies: false, dbStatementTimeoutMs: 1_500 },
  });
  await sql(
    app.orm.em.fork(),
    `insert into users (username, email, password_hash, role) values ('admin', 'admin@example.fr', ?, 'admin')`,
    [await testPasswordHash()],
  );
  const login = await app.app.inject({
    method: 'POST',
    url: '/api/auth/login/',
    payload: { username: 'admin', password: PASSWORD },
  });
  token = login.json().access;
});

afterAll(async () => {
  await app?.close();
  await proxy?.stop();
  await db?.release();
});

describe('GET /api/health/ and a database outage', () => {
  it('answers 200 while the database is up, without authentication', async () => {
    const res = await get('/api/health/', false);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: 'ok', redis: 'off' });
    expect((await get('/api/clients/')).statusCode).toBe(200);
  });

  it('database down: health 503 within 3 s, requests a contract-shaped 503 with Retry-After, without stack or SQL', async () => {
    await proxy.stop();
    const t0 = Date.now();
    const health = await get('/api/health/', false);
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'error', database: 'error', redis: 'off' });
    expect(Date.now() - t0).toBeLessThan(3_000);

    const res = await get('/api/clients/');
    expectUnavailable(res);
    // tRPC answers the same way.
    const trpc = await app.app.inject({
      method: 'GET',
      url: '/trpc/clients.list?input=%7B%7D',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(trpc.statusCode).toBe(503);
    expect(trpc.json().error.data.code).toBe('SERVICE_UNAVAILABLE');
    expect(trpc.body).not.toMatch(/ECONNREFUSED|select |\bat .*\.(ts|js):\d+|"stack"/i);
  });

  it('database unresponsive (connections accepted, never answered): health 503 within the connect timeout', async () => {
    await proxy.start('blackhole');
    const t0 = Date.now();
    const health = await get('/api/health/', false);
    expect(health.statusCode).toBe(503);
    expect(Date.now() - t0).toBeLessThan(3_000);
    await proxy.stop();
  });

  it('database back: health 200 again and requests served, without restarting the app', async () => {
    await proxy.start();
    await expect
      .poll(async () => (await get('/api/health/', false)).statusCode, { timeout: 10_000, interval: 200 })
      .toBe(200);
    expect((await get('/api/health/', false)).json()).toEqual({ status: 'ok', database: 'ok', redis: 'off' });
    expect((await get('/api/clients/')).statusCode).toBe(200);
  });

  it('network partition (connections stay open, nothing answers): requests 503 within the statement bound, health 503 within 3 s, then 503 at once; healed without restart', async () => {
    expect((await get('/api/clients/')).statusCode).toBe(200); // pooled connections exist, and will hang
    proxy.stall();
    let t0 = Date.now();
    expectUnavailable(await get('/api/clients/'));
    // 1.5 s statement bound + 1 s client-side grace, instead of waiting for TCP to give up.
    expect(Date.now() - t0).toBeLessThan(4_000);

    t0 = Date.now();
    const health = await get('/api/health/', false);
    expect(health.statusCode).toBe(503);
    expect(Date.now() - t0).toBeLessThan(3_000);

    // The database is known to be down: no more waiting on dead connections.
    t0 = Date.now();
    expectUnavailable(await get('/api/clients/'));
    expectUnavailable(
      await app.app.inject({
        method: 'POST',
        url: '/api/auth/login/',
        payload: { username: 'admin', password: PASSWORD },
      }),
    );
    expect(Date.now() - t0).toBeLessThan(500);

    proxy.resume();
    await expect
      .poll(async () => (await get('/api/health/', false)).statusCode, { timeout: 10_000, interval: 200 })
      .toBe(200);
    expect((await get('/api/clients/')).statusCode).toBe(200);
    expect(
      (
        await app.app.inject({
          method: 'POST',
          url: '/api/auth/login/',
          payload: { username: 'admin', password: PASSWORD },
        })
      ).statusCode,
    ).toBe(200);
  });
});

function expectUnavailable(res: Awaited<ReturnType<typeof get>>) {
  expect(res.statusCode).toBe(503);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(res.json()).toEqual({ code: 'SERVICE_UNAVAILABLE', message: expect.any(String), fieldErrors: {} });
  expect(res.body).not.toMatch(/ECONNREFUSED|timeout|select |\bat .*\.(ts|js):\d+|stack/i);
}
