import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@crm/db';
import type { App } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { hashPassword } from '../src/auth/passwords.js';
import { sql } from '../src/lib/sql/runner.js';
import { createApp, PASSWORD } from './helpers.js';

/**
 * The API as deployed: NODE_ENV=production (Secure cookies, HSTS) serving the built SPA, whose
 * answers carry the same security headers. And the configuration rules for `Secure`.
 */

const SECRET = 'production-secret-that-is-long-enough-0123456789';

describe('Secure cookies: on in production or with COOKIE_SECURE=true, off in development and tests', () => {
  it('follows NODE_ENV and COOKIE_SECURE', () => {
    const secure = (env: Record<string, string>) => loadConfig({ JWT_SECRET: SECRET, ...env }).secureCookies;
    expect(secure({ NODE_ENV: 'production' })).toBe(true);
    expect(secure({ NODE_ENV: 'development' })).toBe(false);
    expect(secure({})).toBe(false);
    expect(secure({ NODE_ENV: 'test' })).toBe(false);
    expect(secure({ NODE_ENV: 'test', COOKIE_SECURE: 'true' })).toBe(true);
    expect(secure({ NODE_ENV: 'development', COOKIE_SECURE: 'true' })).toBe(true);
    expect(secure({ NODE_ENV: 'production', COOKIE_SECURE: 'false' })).toBe(false);
  });

  it('refuses to start in production without a JWT_SECRET of at least 32 characters', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(/JWT_SECRET/);
  });
});

describe('production app with the SPA', () => {
  let app: App;
  let drop: () => Promise<void>;
  let webDist: string;

  beforeAll(async () => {
    webDist = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-web-'));
    fs.writeFileSync(
      path.join(webDist, 'index.html'),
      '<!doctype html><html><body><div id="root"></div><script type="module" src="/assets/app.js"></script></body></html>',
    );
    fs.mkdirSync(path.join(webDist, 'assets'));
    fs.writeFileSync(path.join(webDist, 'assets', 'app.js'), 'console.log(1)');
    const db = await createTestDatabase('crm_test', { template: true });
    drop = db.drop;
    app = await createApp({ databaseUrl: db.url, env: { NODE_ENV: 'production', JWT_SECRET: SECRET }, webDist });
    await sql(
      app.orm.em.fork(),
      `insert into users (username, email, password_hash, role) values ('prod', 'prod@example.fr', ?, 'admin')`,
      [await hashPassword(PASSWORD)],
    );
  });
  afterAll(async () => {
    await app?.close();
    await drop?.();
    fs.rmSync(webDist, { recursive: true, force: true });
  });

  const get = (url: string) => app.app.inject({ method: 'GET', url });

  function expectHeaders(res: Awaited<ReturnType<typeof get>>) {
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBeDefined();
    expect(String(res.headers['content-security-policy'])).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(String(res.headers['strict-transport-security'])).toMatch(/^max-age=\d{7,}/);
  }

  it('login sets every cookie Secure (and still httpOnly / SameSite=Lax)', async () => {
    const res = await app.app.inject({
      method: 'POST',
      url: '/api/auth/login/',
      headers: { 'content-type': 'application/json' },
      payload: { username: 'prod', password: PASSWORD },
    });
    expect(res.statusCode).toBe(200);
    expect(res.cookies.map((c) => c.name).sort()).toEqual(['crm_access', 'crm_refresh', 'csrftoken']);
    for (const c of res.cookies) {
      expect(c.secure, c.name).toBe(true);
      expect(c.sameSite).toBe('Lax');
    }
    expect(res.cookies.find((c) => c.name === 'crm_access')!.httpOnly).toBe(true);
    expect(res.cookies.find((c) => c.name === 'crm_refresh')!.httpOnly).toBe(true);
    expectHeaders(res);
    // Logout clears them with the same attributes.
    const jar = Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
    const out = await app.app.inject({
      method: 'POST',
      url: '/api/auth/logout/',
      headers: { cookie: `crm_access=${jar.crm_access}; csrftoken=${jar.csrftoken}`, 'x-csrftoken': jar.csrftoken },
    });
    expect(out.statusCode).toBe(204);
    for (const c of out.cookies) expect(c.secure, c.name).toBe(true);
  });

  it('API answers carry HSTS and the security headers, and no-store', async () => {
    for (const res of [await get('/api/health/'), await get('/api/clients/'), await get('/api/nope/')]) {
      expectHeaders(res);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('SPA answers (index, client-side routes, assets) carry the security headers too', async () => {
    const index = await get('/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toMatch(/text\/html/);
    expectHeaders(index);
    const route = await get('/clients/12');
    expect(route.statusCode).toBe(200);
    expect(route.body).toContain('<div id="root">');
    expectHeaders(route);
    const asset = await get('/assets/app.js');
    expect(asset.statusCode).toBe(200);
    expectHeaders(asset);
  });

  it('a 500 in production still says nothing but the generic message', async () => {
    await sql(app.orm.em.fork(), `alter table users rename to users_hidden`);
    try {
      const res = await app.app.inject({
        method: 'POST',
        url: '/api/auth/login/',
        headers: { 'content-type': 'application/json' },
        payload: { username: 'prod', password: PASSWORD },
      });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({
        code: 'INTERNAL_SERVER_ERROR',
        message: 'Erreur interne du serveur.',
        fieldErrors: {},
      });
    } finally {
      await sql(app.orm.em.fork(), `alter table users_hidden rename to users`);
    }
  });
});
