import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { isoDay, PASSWORD, plain, shot, startE2E, type E2E } from './harness';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let e2e: E2E;
/** The main pages; `{client}`… stand for the records made in beforeAll. */
const PAGES = [
  '/',
  '/clients',
  '/clients/{client}',
  '/clients/nouveau',
  '/projets',
  '/projets/{projet}',
  '/opportunites',
  '/opportunites/{opportunite}',
  '/opportunites/pipeline',
  '/taches',
  '/taches/tableau',
  '/devis',
  '/devis/{devis}',
  '/rapports',
];
const ids: Record<string, number> = {};
const resolve = (path: string) => path.replace(/\{(\w+)\}/g, (_, k: string) => String(ids[k]));

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  const api = await e2e.api('marie');
  const c = await api('POST', '/clients/', {
    nom: 'Boulangerie Dupont',
    societe: 'Dupont et fils SARL',
    email: 'contact@dupont.fr',
    telephone: '01 23 45 67 89',
  });
  const p = await api('POST', '/projets/', {
    titre: 'Refonte de la vitrine',
    client: c.id,
    budget: 1234567.5,
    dateDebut: isoDay(-10),
    dateFin: isoDay(30),
  });
  const o = await api('POST', '/opportunites/', {
    nom: 'Agencement complet du magasin',
    client: c.id,
    montant: 1234567.5,
    probabilite: 60,
    etape: 'proposition',
  });
  await api('POST', '/taches/', {
    titre: 'Rappeler le gérant',
    priorite: 'haute',
    client: c.id,
    projet: p.id,
    dateEcheance: isoDay(2),
  });
  const d = await api('POST', '/devis/', {
    opportunite: o.id,
    lignes: [{ designation: 'Comptoir en chêne massif', quantite: 2, prixUnitaire: 123456.78, tauxTva: 20 }],
  });
  Object.assign(ids, { client: c.id, projet: p.id, opportunite: o.id, devis: d.id });
});
afterAll(() => e2e?.close());

async function login(width: number, height: number): Promise<Page> {
  const context = await e2e.browser.newContext({
    viewport: { width, height },
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    hasTouch: width < 500,
    isMobile: width < 500,
    bypassCSP: true,
  }); // CSP: to inject axe
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${e2e.base}/login`);
  await page.getByLabel("Nom d'utilisateur ou e-mail").fill('marie');
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { name: /Bonjour/ }).waitFor();
  return page;
}

/** Serious and critical axe-core violations of the page as it is now (axe injected into the page). */
async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id}: ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}

/** What is wrong with one page as `page`'s viewport shows it (empty: nothing). */
async function checkPage(page: Page, path: string, label: string): Promise<string[]> {
  const problems: string[] = [];
  // In-app navigation, as a click on a link does: a full load per page re-ran the SPA's start and
  // re-injected axe (half a megabyte of script) 28 times. Every page here has its own component, so
  // the new page's heading is a new element: wait for one that is not the old one.
  if (new URL(page.url()).pathname !== path)
    await page.evaluate((to) => {
      for (const h of document.querySelectorAll('main h1')) h.setAttribute('data-e2e-left', '');
      history.pushState(null, '', to);
      dispatchEvent(new PopStateEvent('popstate', { state: null }));
    }, path);
  await page.locator('main h1:not([data-e2e-left])').first().waitFor();
  expect(new URL(page.url()).pathname).toBe(path);
  await page
    .locator('.loading')
    .first()
    .waitFor({ state: 'detached' })
    .catch(() => {});
  await page.waitForTimeout(150);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) problems.push(`${path}: horizontal scroll of ${overflow}px`);
  // No button sticks out of its card.
  const outside = await page.evaluate(() =>
    [...document.querySelectorAll('.card .btn, .board-card .btn, .form-actions .btn')]
      .filter((b) => {
        const r = b.getBoundingClientRect();
        const card = b.closest('.card, .board-card, form')!.getBoundingClientRect();
        return r.width > 0 && (r.right > card.right + 1 || r.left < card.left - 1);
      })
      .map((b) => b.textContent),
  );
  if (outside.length) problems.push(`${path}: buttons outside their card: ${outside.join(', ')}`);
  for (const v of await axeViolations(page)) problems.push(`${path}: ${v}`);
  await shot(page, `crm-${label}${path.replace(/\//g, '_') || '_'}.png`, { fullPage: true });
  return problems;
}

// One test per page and viewport (a page with axe takes seconds on a loaded machine: the 14 of them
// in one test went past its timeout), on one logged-in page per viewport.
describe('phones (390×844)', () => {
  let page: Page;
  beforeAll(async () => {
    page = await login(390, 844);
  });
  afterAll(() => page?.context().close());

  it('the menu opens and closes; lists are cards; phone numbers call on tap', async () => {
    const nav = page.getByRole('navigation', { name: 'Navigation principale' });
    expect(await nav.isVisible()).toBe(false);
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await nav.getByRole('link', { name: 'Clients', exact: true }).click();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    expect(await nav.isVisible()).toBe(false);
    // The list is a stack of cards; the phone number calls on tap.
    const call = page.getByRole('link', { name: /01\s23\s45\s67\s89/ });
    expect(await call.getAttribute('href')).toBe('tel:+33123456789');
    expect(await page.locator('.table thead').evaluate((el) => el.getBoundingClientRect().height)).toBeLessThanOrEqual(
      1,
    );
  });

  it.each(PAGES)('%s fits the width, keeps its buttons in their cards, has no serious axe violation', async (path) => {
    expect(await checkPage(page, resolve(path), 'mobile')).toEqual([]);
  });
});

describe('desktop (1440×900)', () => {
  let page: Page;
  beforeAll(async () => {
    page = await login(1440, 900);
  });
  afterAll(() => page?.context().close());

  it.each(PAGES)('%s keeps its buttons in their cards and has no serious axe violation', async (path) => {
    expect(await checkPage(page, resolve(path), 'desktop')).toEqual([]);
  });

  it('amounts never wrap', async () => {
    await page.goto(`${e2e.base}/opportunites`);
    const amount = page.getByText(/1\s234\s567,50\s€/).first();
    await amount.waitFor();
    expect(plain(await amount.textContent())).toContain('1 234 567,50 €');
    expect(await amount.textContent()).not.toMatch(/\d \d/); // no breakable space inside the number
  });
});
