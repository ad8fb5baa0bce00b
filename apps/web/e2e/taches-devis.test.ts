import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { center, downloaded, isoDay, mouseDrag, shot, startE2E, type E2E, navLink, plain } from './harness';

let e2e: E2E;
let api: Awaited<ReturnType<E2E['api']>>;
let clientId: number;
let oppId: number;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  api = await e2e.api('marie');
  const c = await api('POST', '/clients/', { nom: 'Hôtel du Lac', email: 'direction@hotel-du-lac.fr' });
  clientId = c.id;
  oppId = (
    await api('POST', '/opportunites/', { nom: 'Rénovation accueil', client: c.id, montant: 8000, probabilite: 60 })
  ).id;
  for (const [titre, priorite] of [
    ['Appeler le directeur', 'haute'],
    ['Préparer la démo', 'moyenne'],
    ['Relancer le devis', 'urgente'],
  ] as const) {
    await api('POST', '/taches/', { titre, priorite, dateEcheance: isoDay(3), client: c.id });
  }
});
afterAll(() => e2e?.close());

const titles = (page: Page, statut: string) =>
  page.locator(`section[data-column="${statut}"] .card-title`).allTextContents();
const serverTitles = async (statut: string) =>
  ((await api('GET', `/taches/?statut=${statut}&ordering=position`)).results as { titre: string }[]).map(
    (t) => t.titre,
  );

describe('task board', () => {
  it('moves a task to « En cours » with the mouse and completes another with « Terminer »', async () => {
    const page = await e2e.loggedIn('marie');
    await navLink(page, 'Tâches').click();
    await page.getByRole('heading', { name: 'Tableau des tâches' }).waitFor();
    await page.getByRole('link', { name: 'Préparer la démo' }).waitFor();
    await mouseDrag(
      page,
      await center(page, '[data-card-id]:has(.card-title:text-is("Préparer la démo"))'),
      await center(page, 'section[data-column="en_cours"] .board-cards'),
    );
    await expect.poll(() => serverTitles('en_cours')).toEqual(['Préparer la démo']);
    expect(await titles(page, 'en_cours')).toEqual(['Préparer la démo']);

    await page.getByRole('button', { name: 'Terminer « Appeler le directeur »' }).click();
    await page.locator('section[data-column="terminee"]').getByRole('link', { name: 'Appeler le directeur' }).waitFor();
    expect(await serverTitles('terminee')).toEqual(['Appeler le directeur']);

    await page.reload();
    await page.locator('section[data-column="en_cours"]').getByRole('link', { name: 'Préparer la démo' }).waitFor();
    expect(await titles(page, 'a_faire')).toEqual(['Relancer le devis']);
    await page.context().close();
  });

  it('rolls back a task move the server refuses', async () => {
    const page = await e2e.loggedIn('marie', '/taches/tableau');
    await page.getByRole('link', { name: 'Relancer le devis' }).waitFor();
    await page.route('**/trpc/taches.patch*', (route) =>
      route.fulfill({
        status: 403,
        contentType: 'application/json',
        body: JSON.stringify([
          {
            error: {
              message: "Vous n'avez pas la permission d'effectuer cette action.",
              code: -32003,
              data: { code: 'FORBIDDEN', httpStatus: 403, fieldErrors: {} },
            },
          },
        ]),
      }),
    );
    await mouseDrag(
      page,
      await center(page, '[data-card-id]:has(.card-title:text-is("Relancer le devis"))'),
      await center(page, 'section[data-column="en_cours"] .board-cards'),
    );
    await page.locator('.toast--error', { hasText: "Vous n'avez pas la permission" }).waitFor();
    expect(await titles(page, 'a_faire')).toEqual(['Relancer le devis']);
    expect(await serverTitles('a_faire')).toEqual(['Relancer le devis']);
    await page.context().close();
  });
});

describe('devis editor', () => {
  it('computes HT / TVA / TTC live from the lines, saves, and shows the same totals from the server', async () => {
    const page = await e2e.loggedIn('marie', `/opportunites/${oppId}`);
    await page.getByRole('link', { name: '+ Nouveau devis' }).click();
    await page.getByRole('heading', { name: 'Nouveau devis' }).waitFor();
    // The opportunité came in the URL: the picker shows its name.
    await expect
      .poll(() => page.getByRole('combobox', { name: 'Opportunité' }).inputValue())
      .toBe('Rénovation accueil — Hôtel du Lac');

    await page.getByLabel('Désignation (ligne 1)').fill('Mobilier d’accueil');
    await page.getByLabel('Quantité (ligne 1)').fill('2');
    await page.getByLabel('Prix unitaire HT (ligne 1)').fill('1 234,50');
    await expect.poll(() => page.getByTestId('total-ht').textContent().then(plain)).toBe('2 469,00 €');
    await page.getByRole('button', { name: '+ Ajouter une ligne' }).click();
    await page.getByLabel('Désignation (ligne 2)').fill('Pose');
    await page.getByLabel('Quantité (ligne 2)').fill('1,5');
    await page.getByLabel('Prix unitaire HT (ligne 2)').fill('80');
    await page.getByLabel('TVA (ligne 2)').fill('10');
    // 2 469,00 + 120,00 HT; TVA 493,80 + 12,00
    await expect.poll(() => page.getByTestId('total-ht').textContent().then(plain)).toBe('2 589,00 €');
    expect(await page.getByTestId('total-tva').textContent().then(plain)).toBe('505,80 €');
    expect(await page.getByTestId('total-ttc').textContent().then(plain)).toBe('3 094,80 €');
    await shot(page, `crm-devis.png`, { fullPage: true });

    await page.getByRole('button', { name: 'Créer le devis' }).click();
    await page.getByRole('heading', { name: /^Devis D\d{4}-\d{5} v1$/ }).waitFor();
    const id = Number(/\/devis\/(\d+)/.exec(page.url())![1]);
    const saved = await api('GET', `/devis/${id}/`);
    expect([saved.montant, saved.montantTva, saved.montantTtc]).toEqual([2589, 505.8, 3094.8]);
    await page.reload();
    await expect.poll(() => page.getByTestId('total-ttc').textContent().then(plain)).toBe('3 094,80 €');
    expect(await page.getByRole('link', { name: 'Télécharger le PDF' }).getAttribute('href')).toBe(
      `/api/devis/${id}/pdf/`,
    );

    const [pdf] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Télécharger le PDF' }).click(),
    ]);
    expect(pdf.suggestedFilename()).toMatch(/\.pdf$/);
    expect((await downloaded(pdf)).subarray(0, 5).toString()).toBe('%PDF-');

    await page.getByRole('button', { name: 'Nouvelle version' }).click();
    await page.getByRole('heading', { name: /^Devis D\d{4}-\d{5} v2$/ }).waitFor();
    expect(await page.getByTestId('total-ht').textContent().then(plain)).toBe('2 589,00 €');
    await page.context().close();
  });

  it('shows a server error for an invalid line next to its field', async () => {
    const page = await e2e.loggedIn('marie', `/devis/nouveau?opportunite=${oppId}`);
    await page.getByLabel('Désignation (ligne 1)').fill('Remise exceptionnelle');
    await page.getByLabel('Prix unitaire HT (ligne 1)').fill('-50');
    await page.getByRole('button', { name: 'Créer le devis' }).click();
    const price = page.getByLabel('Prix unitaire HT (ligne 1)');
    await expect.poll(() => price.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('.lignes .field-error').first().textContent()).toMatch(/Montant invalide/);
    void clientId;
    await page.context().close();
  });
});

describe('rapports', () => {
  it('shows the pipeline report and exports it as CSV', async () => {
    const page = await e2e.loggedIn('marie');
    await navLink(page, 'Rapports').click();
    await page.getByRole('heading', { name: 'Pipeline par étape' }).waitFor();
    await page.getByRole('cell', { name: 'Prospect' }).waitFor();
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Exporter en CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/\.csv$/);
    const text = (await downloaded(csv)).toString('utf8');
    expect(text).toMatch(/Prospect|prospect/);
    await page.getByLabel('Rapport', { exact: true }).selectOption('performances');
    await page.waitForURL(/rapport=performances/);
    await page.getByRole('heading', { name: 'Performances par commercial' }).waitFor();
    await page.context().close();
  });
});
