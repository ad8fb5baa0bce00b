import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Browser, Download, Page } from 'playwright-core';
import { createTestDatabase } from '@crm/db';
import { createApp, type App } from '@crm/api';
import { testPasswordHash } from '@crm/api/testing';
import { closeContexts, workerBrowser } from './browser';

export const PASSWORD = 'Motdepasse-e2e-2026';
const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_DIST = path.resolve(here, '../dist');

export interface E2E {
  base: string;
  app: App;
  browser: Browser;
  /** Inserts a user directly in the database (password PASSWORD); returns its id. */
  user(username: string, role?: 'admin' | 'manager' | 'commercial'): Promise<number>;
  /** A REST client logged in as `username` (Bearer), to seed data through the real API. */
  api(username: string): Promise<(method: string, url: string, body?: unknown) => Promise<any>>;
  /**
   * A new browser page logged in through the login form. With `path`, the page asks for that path
   * first: the SPA sends it to `/login?next=…` and, once logged in, straight to it (no dashboard
   * loaded on the way, no reload).
   */
  loggedIn(username: string, path?: string): Promise<Page>;
  close(): Promise<void>;
}

/** The real API on a throw-away database, serving the built SPA, and the worker's chromium (browser.ts). */
export async function startE2E(opts: { env?: Record<string, string>; webDist?: string } = {}): Promise<E2E> {
  // E2E_WEB_DIST: another build of the SPA (e.g. main's, to see a new test fail there).
  const webDist = opts.webDist ?? process.env.E2E_WEB_DIST ?? WEB_DIST;
  if (!fs.existsSync(path.join(webDist, 'index.html')))
    throw new Error(`${webDist} is missing: run \`vite build\` first`);
  // The worker's chromium (browser.ts), launched by its first file while the API starts.
  const browserReady = workerBrowser();
  browserReady.catch(() => {}); // awaited below; a failure before that must not go unhandled
  const db = await createTestDatabase('crm_e2e', { template: true });
  const app = await createApp({
    databaseUrl: db.url,
    env: { NODE_ENV: 'test', JWT_SECRET: 'e2e-secret-that-is-long-enough-0123456789abcdef', ...opts.env },
    config: { secureCookies: false },
    webDist,
  });
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(app.app.server.address() as AddressInfo).port}`;
  const browser = await browserReady;
  const conn = app.orm.em.getConnection();

  const e2e: E2E = {
    base,
    app,
    browser,
    async user(username, role = 'manager') {
      const rows = await conn.execute(
        `insert into users (username, email, password_hash, role, is_active, first_name, last_name) values (?, ?, ?, ?, true, ?, ?) returning id`,
        [
          username,
          `${username}@example.fr`,
          await testPasswordHash(PASSWORD),
          role,
          username[0].toUpperCase() + username.slice(1),
          'Test',
        ],
      );
      return rows[0].id as number;
    },
    async api(username) {
      const login = await fetch(`${base}/api/auth/login/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: PASSWORD }),
      });
      if (!login.ok) throw new Error(`login ${username}: ${login.status} ${await login.text()}`);
      const { access } = (await login.json()) as { access: string };
      return async (method, url, body) => {
        const res = await fetch(`${base}/api${url}`, {
          method,
          headers: {
            authorization: `Bearer ${access}`,
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
        return text ? JSON.parse(text) : undefined;
      };
    },
    async loggedIn(username, path) {
      // English browser on purpose: the SPA must still get French messages from the API.
      const context = await browser.newContext({
        locale: 'en-US',
        timezoneId: 'Europe/Paris',
        viewport: { width: 1440, height: 900 },
      });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      if (process.env.E2E_CONSOLE)
        page.on('console', (m) =>
          m.type() === 'error' || m.type() === 'warning' ? console.log(`[browser ${m.type()}] ${m.text()}`) : undefined,
        );
      await page.goto(`${base}${path ?? '/login'}`);
      await page.getByLabel("Nom d'utilisateur ou e-mail").fill(username);
      await page.getByLabel('Mot de passe').fill(PASSWORD);
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await page.getByRole('navigation', { name: 'Navigation principale' }).waitFor();
      if (path !== undefined) await page.waitForURL((u) => u.pathname + u.search === path);
      return page;
    },
    async close() {
      await closeContexts(browser);
      await app.close();
      await db.release();
    },
  };
  return e2e;
}

/**
 * Screenshots for people to look at, written only when E2E_SCREENSHOTS names a folder: they assert
 * nothing, and a full-page PNG costs a loaded machine about a second of CPU.
 */
export async function shot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  const folder = process.env.E2E_SCREENSHOTS;
  if (folder) await page.screenshot({ path: path.join(folder, name), ...opts });
}

/**
 * The bytes of a finished download, read through Playwright's stream (it works whether the browser was
 * launched by this process or connected to).
 */
export async function downloaded(download: Download): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Drags with the mouse the way a person does: press, move in small steps, pause, release. */
export async function mouseDrag(
  page: Page,
  from: { x: number; y: number },
  to: { x: number; y: number },
): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 8, from.y + 8, { steps: 4 });
  await page.mouse.move(to.x, to.y, { steps: 20 });
  await page.waitForTimeout(150);
  await page.mouse.move(to.x, to.y + 2, { steps: 2 });
  await page.mouse.up();
}

export async function center(page: Page, selector: string): Promise<{ x: number; y: number }> {
  const box = await page.locator(selector).first().boundingBox();
  if (!box) throw new Error(`no box for ${selector}`);
  return { x: box.x + box.width / 2, y: box.y + Math.min(box.height / 2, 30) };
}

export const isoDay = (offsetDays = 0) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

/** A link of the main navigation (page content may have links with the same words). */
export const navLink = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('link', { name, exact: true });

/** Text with Intl's (narrow) no-break spaces as plain spaces: amounts keep them so they never wrap. */
export const plain = (s: string | null): string => (s ?? '').replace(/[\u202f\u00a0]/g, ' ');
