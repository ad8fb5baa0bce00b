import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { center, mouseDrag, shot, startE2E, type E2E } from './harness';

let e2e: E2E;
let api: Awaited<ReturnType<E2E['api']>>;
let page: Page;

const column = (etape: string) => page.locator(`section[data-column="${etape}"]`);
const cardsOf = async (etape: string) =>
  (await column(etape).locator('.card-title').allTextContents()).map((s) => s.trim());
const serverColumn = async (etape: string) =>
  ((await api('GET', `/opportunites/?etape=${etape}&ordering=position`)).results as { nom: string }[]).map(
    (o) => o.nom,
  );

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  api = await e2e.api('marie');
  const c = await api('POST', '/clients/', { nom: 'Acme Industrie' });
  for (const [nom, etape, montant] of [
    ['Refonte site', 'prospect', 12000],
    ['Audit sécurité', 'prospect', 4500],
    ['Maintenance annuelle', 'prospect', 3000],
    ['Formation équipe', 'qualification', 2500],
  ] as const) {
    await api('POST', '/opportunites/', { nom, client: c.id, etape, montant, probabilite: 40 });
  }
  page = await e2e.loggedIn('marie', '/opportunites/pipeline');
  await column('prospect').getByRole('link', { name: 'Refonte site' }).waitFor();
});
afterAll(() => e2e?.close());

describe('opportunities kanban', () => {
  it('moves a card to another stage with the mouse, persisted after reload', async () => {
    expect(await cardsOf('prospect')).toEqual(['Refonte site', 'Audit sécurité', 'Maintenance annuelle']);
    await mouseDrag(
      page,
      await center(page, '[data-card-id]:has(.card-title:text-is("Refonte site"))'),
      await center(page, 'section[data-column="qualification"] .board-cards'),
    );
    await expect.poll(() => serverColumn('qualification')).toContain('Refonte site');
    expect(await cardsOf('qualification')).toContain('Refonte site');
    await page.reload();
    await column('qualification').getByRole('link', { name: 'Refonte site' }).waitFor();
    expect(await cardsOf('prospect')).toEqual(['Audit sécurité', 'Maintenance annuelle']);
    await shot(page, `crm-pipeline.png`, { fullPage: true });
  });

  it('reorders within a column and moves across columns with the keyboard, persisted after reload', async () => {
    const handle = page.getByRole('button', { name: 'Déplacer « Maintenance annuelle »' });
    await handle.focus();
    await page.keyboard.press('Space');
    await page.waitForTimeout(200);
    await page.keyboard.press('ArrowUp');
    await page.waitForTimeout(300);
    await page.keyboard.press('Space');
    await expect.poll(() => serverColumn('prospect')).toEqual(['Maintenance annuelle', 'Audit sécurité']);

    await page.getByRole('button', { name: 'Déplacer « Audit sécurité »' }).focus();
    await page.keyboard.press('Space');
    await page.waitForTimeout(200);
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(300);
    await page.keyboard.press('Space');
    await expect.poll(() => serverColumn('qualification')).toContain('Audit sécurité');
    await page.reload();
    await column('qualification').getByRole('link', { name: 'Audit sécurité' }).waitFor();
    expect(await cardsOf('prospect')).toEqual(['Maintenance annuelle']);
  });

  it('rolls back an optimistic move the server refuses, with a French message', async () => {
    await page.route('**/trpc/opportunites.patch*', (route) =>
      route.fulfill({
        status: 409,
        contentType: 'application/json',
        body: JSON.stringify([
          {
            error: {
              message: 'Conflit avec l’état actuel de la ressource.',
              code: -32009,
              data: { code: 'CONFLICT', httpStatus: 409, fieldErrors: {} },
            },
          },
        ]),
      }),
    );
    await mouseDrag(
      page,
      await center(page, '[data-card-id]:has(.card-title:text-is("Maintenance annuelle"))'),
      await center(page, 'section[data-column="proposition"] .board-cards'),
    );
    const toast = page.locator('.toast--error');
    await toast.waitFor();
    expect(await toast.textContent()).toContain('Déplacement annulé : Conflit avec l’état actuel de la ressource.');
    expect(await cardsOf('prospect')).toEqual(['Maintenance annuelle']);
    expect(await cardsOf('proposition')).toEqual([]);
    expect(await serverColumn('prospect')).toEqual(['Maintenance annuelle']);
    await page.unroute('**/trpc/opportunites.patch*');
  });

  it('asks won or lost when a card is dropped into conclusion', async () => {
    await mouseDrag(
      page,
      await center(page, '[data-card-id]:has(.card-title:text-is("Formation équipe"))'),
      await center(page, 'section[data-column="conclusion"] .board-cards'),
    );
    const dialog = page.getByRole('dialog', { name: 'Conclure « Formation équipe »' });
    await dialog.getByLabel('Perdue').check();
    await dialog.getByLabel('Motif de la perte').fill('Budget gelé');
    await dialog.getByRole('button', { name: 'Conclure' }).click();
    await expect
      .poll(async () =>
        (await api('GET', '/opportunites/?etape=conclusion')).results.map((o: any) => [
          o.nom,
          o.resultat,
          o.motifPerte,
        ]),
      )
      .toEqual([['Formation équipe', 'perdue', 'Budget gelé']]);
    await column('conclusion').locator('.badge', { hasText: 'Perdue' }).waitFor();
  });

  it("advances a card with the « Avancer l'étape » button", async () => {
    await page.getByRole('button', { name: /Avancer l'étape de « Maintenance annuelle »/ }).click();
    await column('qualification').getByRole('link', { name: 'Maintenance annuelle' }).waitFor();
    expect(await serverColumn('qualification')).toContain('Maintenance annuelle');
  });
});

describe('opportunities kanban as a commercial (only their cards of a column are shown)', () => {
  let paul: Page;
  const paulColumn = async () =>
    (await paul.locator('section[data-column="negociation"] .card-title').allTextContents()).map((s) => s.trim());

  it("lands a reordered card between its shown neighbours, whatever the colleague's cards around them", async () => {
    const paulId = await e2e.user('paul', 'commercial');
    const julieId = await e2e.user('julie', 'commercial');
    const mine = await api('POST', '/clients/', { nom: 'Client de Paul', responsable: paulId });
    const theirs = await api('POST', '/clients/', { nom: 'Client de Julie', responsable: julieId });
    // Server order of the column: Julie's two cards first, then Paul's three.
    for (const [nom, client] of [
      ['J1', theirs.id],
      ['J2', theirs.id],
      ['P1', mine.id],
      ['P2', mine.id],
      ['P3', mine.id],
    ] as const) {
      await api('POST', '/opportunites/', { nom, client, etape: 'negociation' });
    }
    paul = await e2e.loggedIn('paul', '/opportunites/pipeline');
    await paul.locator('section[data-column="negociation"]').getByRole('link', { name: 'P3' }).waitFor();
    expect(await paulColumn()).toEqual(['P1', 'P2', 'P3']);
    // Keyboard: P3 one place up, between P1 and P2 as Paul sees them.
    await paul.getByRole('button', { name: 'Déplacer « P3 »' }).focus();
    await paul.keyboard.press('Space');
    await paul.waitForTimeout(200);
    await paul.keyboard.press('ArrowUp');
    await paul.waitForTimeout(300);
    await paul.keyboard.press('Space');
    await expect.poll(() => serverColumn('negociation')).toEqual(['J1', 'J2', 'P1', 'P3', 'P2']);
    await paul.reload();
    await paul.locator('section[data-column="negociation"]').getByRole('link', { name: 'P3' }).waitFor();
    expect(await paulColumn()).toEqual(['P1', 'P3', 'P2']);
  });
});
