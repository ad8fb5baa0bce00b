import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Response } from 'playwright-core';
import { navLink, PASSWORD, startE2E, type E2E } from './harness';

/**
 * How the built SPA reaches a phone (issue #14): the scripts each page needs and no more, sent
 * brotli-compressed and cached for good; index.html revalidated; a page whose code cannot load
 * offers « Réessayer » inside the app frame.
 */

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  const api = await e2e.api('marie');
  const c = await api('POST', '/clients/', { nom: 'Atelier Bernard' });
  await api('POST', '/opportunites/', { nom: 'Vitrine', client: c.id, montant: 1200, probabilite: 50 });
});
afterAll(() => e2e?.close());

/**
 * Text that only the library's (or page's) code contains, as it stands in the minified build.
 * `libphonenumber`: its metadata; `zod`: its core classes, which only schemas need.
 */
const MARKERS = {
  'chart.js': "can't acquire context from the given item",
  '@dnd-kit': 'To pick up a draggable item',
  zod: '$ZodObject',
  libphonenumber: 'country_calling_codes',
  'the dashboard': 'Pipeline par étape',
  'the app frame (Layout)': 'Se déconnecter',
  'the devis editor': 'le devis porte sur un montant global',
};
type Library = keyof typeof MARKERS;

interface Loaded {
  scripts: { path: string; body: string; headers: Record<string, string> }[];
  document?: Record<string, string>;
  pending: Promise<unknown>[];
}

/** Records the scripts (decoded bodies, response headers) and the document's headers. */
function record(page: Page): Loaded {
  const loaded: Loaded = { scripts: [], pending: [] };
  page.on('response', (res: Response) => {
    const type = res.request().resourceType();
    if (type === 'document') loaded.document = res.headers();
    if (type === 'script') {
      loaded.pending.push(
        res.text().then(
          (body) => loaded.scripts.push({ path: new URL(res.url()).pathname, body, headers: res.headers() }),
          () => {},
        ),
      );
    }
  });
  return loaded;
}

/** Which of MARKERS the scripts loaded so far contain. */
async function present(loaded: Loaded): Promise<Library[]> {
  await Promise.all(loaded.pending);
  return (Object.keys(MARKERS) as Library[])
    .filter((lib) => loaded.scripts.some((s) => s.body.includes(MARKERS[lib])))
    .sort();
}

/** The page shown with its data (a page's code is loaded before it renders). */
async function settle(page: Page) {
  await page.locator('main h1, .login-card h1').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('.loading'));
}

describe('each page loads its own code only, compressed and cached', () => {
  it('login: no page of the app, no chart, board, schema or phone metadata; then the dashboard adds only its own', async () => {
    const context = await e2e.browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      locale: 'fr-FR',
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    let loaded = record(page);
    await page.goto(`${e2e.base}/login`);
    await settle(page);
    expect(await present(loaded)).toEqual([]);
    expect(loaded.scripts.length).toBeGreaterThan(0);

    // Over the wire: brotli (chromium accepts it), a year and immutable on hashed files; the page itself revalidated.
    for (const s of loaded.scripts) {
      expect(s.path, s.path).toMatch(/^\/assets\/.+-[A-Za-z0-9_-]{8,}\.js$/);
      expect(s.headers['content-encoding'], s.path).toBe('br');
      expect(s.headers['cache-control'], s.path).toBe('public, max-age=31536000, immutable');
      expect(s.headers.vary, s.path).toMatch(/accept-encoding/i);
    }
    expect(loaded.document?.['cache-control']).toBe('no-cache');

    // Logging in: the dashboard brings chart.js and its own code, still no board, schemas or phone metadata.
    loaded = record(page);
    await page.getByLabel("Nom d'utilisateur ou e-mail").fill('marie');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: /Bonjour/ }).waitFor();
    await settle(page);
    expect(await present(loaded)).toEqual(['chart.js', 'the app frame (Layout)', 'the dashboard'].sort());

    // The pipeline board then brings @dnd-kit (the marker does find it where it is).
    loaded = record(page);
    await page.getByRole('button', { name: 'Menu' }).click();
    await navLink(page, 'Pipeline').click();
    await page.getByRole('heading', { name: /Pipeline/, level: 1 }).waitFor();
    await settle(page);
    expect(await present(loaded)).toContain('@dnd-kit');
    await context.close();
  });

  it('opening the dashboard directly (already logged in) needs no board, editor, schemas or phone metadata', async () => {
    const page = await e2e.loggedIn('marie');
    const context = page.context();
    const fresh = await context.newPage();
    await page.close();
    const loaded = record(fresh);
    await fresh.goto(`${e2e.base}/`);
    await fresh.getByRole('heading', { name: /Bonjour/ }).waitFor();
    await settle(fresh);
    expect(await present(loaded)).toEqual(['chart.js', 'the app frame (Layout)', 'the dashboard'].sort());
    await context.close();
  });
});

describe('pages that only show codes and labels load no schema library', () => {
  it('the devis editor, the reports and the integrations: no zod, no phone metadata', async () => {
    const page = await e2e.loggedIn('marie');
    const loaded = record(page);
    for (const [path, heading] of [
      ['/devis/nouveau', 'Nouveau devis'],
      ['/rapports', 'Rapports'],
      ['/integrations', 'Intégrations'],
    ]) {
      await page.goto(`${e2e.base}${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await settle(page);
    }
    const found = await present(loaded);
    expect(found).toContain('the devis editor');
    expect(found).not.toContain('zod');
    expect(found).not.toContain('libphonenumber');
    await page.context().close();
  });
});

describe('a page whose code cannot load', () => {
  it('after a deploy removed its chunk (404): « Réessayer » in the frame, and it loads once the chunk is there', async () => {
    const page = await e2e.loggedIn('marie');
    // The Rapports page's own chunk answers 404, as an old chunk does once a new version is deployed.
    const chunk = /\/assets\/RapportsPage-[^/]+\.js$/;
    await page.route(chunk, (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: '{"code":"NOT_FOUND"}' }),
    );
    await navLink(page, 'Rapports').click();
    await page.getByRole('heading', { name: 'Page indisponible', level: 1 }).waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('n’a pas pu se charger');
    // The app frame stays: navigation, user menu.
    expect(await navLink(page, 'Clients').isVisible()).toBe(true);
    await page.unroute(chunk);
    await page.getByRole('button', { name: 'Réessayer' }).click();
    await page.getByRole('heading', { name: 'Rapports', level: 1 }).waitFor();
    expect(await page.getByText('Page indisponible').count()).toBe(0);
    await page.context().close();
  });
});
