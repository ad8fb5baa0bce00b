import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { navLink, startE2E, type E2E } from './harness';

let e2e: E2E;
let api: Awaited<ReturnType<E2E['api']>>;
let page: Page;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  api = await e2e.api('marie');
  const c = await api('POST', '/clients/', { nom: 'Acme Industrie' });
  await api('POST', '/opportunites/', {
    nom: 'Contrat cadre',
    client: c.id,
    etape: 'negociation',
    montant: 9000,
    probabilite: 60,
  });
  await api('POST', '/opportunites/', {
    nom: 'Extension parc',
    client: c.id,
    etape: 'negociation',
    montant: 4000,
    probabilite: 60,
  });
  page = await e2e.loggedIn('marie');
});
afterAll(() => e2e?.close());

const focused = () =>
  page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? '');
const inDialog = () => page.evaluate(() => !!document.activeElement?.closest('[role="dialog"]'));

describe('never lose work', () => {
  it('leaving a form with unsaved edits asks first, in the app and when the tab reloads', async () => {
    await page.goto(`${e2e.base}/clients/nouveau`);
    await page.getByLabel('Nom').click();
    await page.keyboard.type('Garage Lefèvre');

    await navLink(page, 'Projets').click();
    const dialog = page.getByRole('dialog', { name: 'Quitter sans enregistrer ?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Annuler' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(new URL(page.url()).pathname).toBe('/clients/nouveau');
    expect(await page.getByLabel('Nom').inputValue()).toBe('Garage Lefèvre');

    // Reloading the tab: the browser's own « leave site? » prompt; staying keeps the input.
    const prompt = new Promise<string>((resolve) =>
      page.once('dialog', (d) => {
        resolve(d.type());
        void d.dismiss();
      }),
    );
    await page.evaluate(() => setTimeout(() => location.reload(), 0));
    expect(await prompt).toBe('beforeunload');
    await page.waitForTimeout(300);
    expect(await page.getByLabel('Nom').inputValue()).toBe('Garage Lefèvre');

    // Leaving for good drops the edits: the form starts empty next time.
    await navLink(page, 'Projets').click();
    await dialog.getByRole('button', { name: 'Quitter sans enregistrer' }).click();
    await page.getByRole('heading', { name: 'Projets', level: 1 }).waitFor();
    await page.goto(`${e2e.base}/clients/nouveau`);
    await page.getByRole('heading', { name: 'Nouveau client', level: 1 }).waitFor();
    expect(await page.getByLabel('Nom').inputValue()).toBe('');
  });

  it('a form without edits, or just saved, leaves without asking', async () => {
    await navLink(page, 'Clients').click();
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    await page.goto(`${e2e.base}/clients/nouveau`);
    await page.getByLabel('Nom').fill('Imprimerie Roux');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('heading', { name: 'Imprimerie Roux', level: 1 }).waitFor();
    await navLink(page, 'Projets').click();
    await page.getByRole('heading', { name: 'Projets', level: 1 }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
  });

  it('the won/lost dialog opened from the keyboard keeps focus, Escape cancels, Enter concludes, focus returns to the card', async () => {
    await page.goto(`${e2e.base}/opportunites/pipeline`);
    const handle = page.getByRole('button', { name: 'Déplacer « Contrat cadre »' });
    const dropInConclusion = async () => {
      await handle.focus();
      await page.keyboard.press('Space');
      await page.waitForTimeout(200);
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(300);
      await page.keyboard.press('Space');
    };
    await dropInConclusion();
    const dialog = page.getByRole('dialog', { name: 'Conclure « Contrat cadre »' });
    await dialog.waitFor();
    // Tab and Shift+Tab never leave the dialog.
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      expect(await inDialog(), `Tab ${i}`).toBe(true);
    }
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Shift+Tab');
      expect(await inDialog(), `Shift+Tab ${i}`).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(focused).toBe('Déplacer « Contrat cadre »');
    expect(
      await page.locator('section[data-column="negociation"]').getByRole('link', { name: 'Contrat cadre' }).count(),
    ).toBe(1);
    expect((await api('GET', '/opportunites/?etape=conclusion')).count).toBe(0);

    // Again: arrow to « Perdue », Enter concludes.
    await dropInConclusion();
    await dialog.waitFor();
    await dialog.getByLabel('Gagnée').focus();
    await page.keyboard.press('ArrowDown');
    expect(await dialog.getByLabel('Perdue').isChecked()).toBe(true);
    await dialog.getByLabel('Perdue').focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await expect
      .poll(async () =>
        (await api('GET', '/opportunites/?etape=conclusion')).results.map((o: any) => [o.nom, o.resultat]),
      )
      .toEqual([['Contrat cadre', 'perdue']]);
    await page.locator('section[data-column="conclusion"]').getByRole('link', { name: 'Contrat cadre' }).waitFor();
    await expect.poll(focused).toBe('Déplacer « Contrat cadre »');
    expect(await page.evaluate(() => !!document.activeElement?.closest('section[data-column="conclusion"]'))).toBe(
      true,
    );
  });
});
