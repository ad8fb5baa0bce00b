/**
 * Database outage: a TCP proxy (node:net) sits between the app and PostgreSQL. Stopping it makes
 * /api/health/ answer 503 within a bounded time and requests fail with a contract-shaped 500 (no
 * stack, no SQL); an unresponsive database too (connect/acquire timeouts in packages/db orm.ts); restarting it brings /api/health/ back to 200 without restarting the app.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '@crm/db';
import type { App } from '../src/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import { sql } from '../src/lib/db.js';
import { createApp, PASSWORD } from './helpers.js';

/** Forwards every connection to `target`; `stop()` closes the port and cuts live connections. */
class TcpProxy {
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  /** `blackhole`: accepts connections and never answers (a hung network rather than a refused port). */
  async start(mode: 'forward' | 'blackhole' = 'forward'): Promise<void> {
    this.server = net.createServer((client) => {
      if (mode === 'blackhole') {
        this.sockets.add(client);
        client.on('error', () => client.destroy());
        return;
      }
      const upstream = net.connect(this.target);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let proxy: TcpProxy;
let app: App;
let token: string;

const get = (url: string, auth = true) =>
  app.app.inject({ method: 'GET', url, headers: auth ? { authorization: `Bearer ${token}` } : {} });

beforeAll(async () => {
  db = await createTestDatabase();
  const direct = new URL(db.url);
  proxy = new TcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  await proxy.start();
  const viaProxy = new URL(db.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  app = await createApp({
    databaseUrl: viaProxy.toString(),
    env: { NODE_ENV: 'test', JWT_SECRET: 'health-test-secret-that-is-long-enough-0123' },
    config: { secureCookies: false },
  });
  await sql(app.orm.em.fork(), `insert into users (username, email, password_hash, role) values ('admin', 'admin@example.fr', ?, 'admin')`, [
    await hashPassword(PASSWORD),
  ]);
  const login = await app.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { username: 'admin', password: PASSWORD } });
  token = login.json().access;
});

afterAll(async () => {
  await app?.close();
  await proxy?.stop();
  await db?.drop();
});

describe('GET /api/health/ and a database outage', () => {
  it('answers 200 while the database is up, without authentication', async () => {
    const res = await get('/api/health/', false);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', database: 'ok' });
    expect((await get('/api/clients/')).statusCode).toBe(200);
  });

  it('database down: health 503 within a bounded time, requests a contract-shaped 500 without stack or SQL', async () => {
    await proxy.stop();
    const t0 = Date.now();
    const health = await get('/api/health/', false);
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'error', database: 'error' });
    expect(Date.now() - t0).toBeLessThan(6_000);

    const res = await get('/api/clients/');
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(body).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: expect.any(String), fieldErrors: {} });
    expect(res.body).not.toMatch(/ECONNREFUSED|select |\bat .*\.(ts|js):\d+|stack/i);
    // tRPC answers the same way.
    const trpc = await app.app.inject({ method: 'GET', url: '/trpc/clients.list?input=%7B%7D', headers: { authorization: `Bearer ${token}` } });
    expect(trpc.statusCode).toBe(500);
    expect(trpc.body).not.toMatch(/ECONNREFUSED|select |\bat .*\.(ts|js):\d+|"stack"/i);
  });

  it('database unresponsive (connections accepted, never answered): health 503 within the connect timeout', async () => {
    await proxy.start('blackhole');
    const t0 = Date.now();
    const health = await get('/api/health/', false);
    expect(health.statusCode).toBe(503);
    expect(Date.now() - t0).toBeLessThan(6_000);
    await proxy.stop();
  });

  it('database back: health 200 again and requests served, without restarting the app', async () => {
    await proxy.start();
    await expect.poll(async () => (await get('/api/health/', false)).statusCode, { timeout: 10_000, interval: 200 }).toBe(200);
    expect((await get('/api/health/', false)).json()).toEqual({ status: 'ok', database: 'ok' });
    expect((await get('/api/clients/')).statusCode).toBe(200);
  });
});
