import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { downloaded, PASSWORD, shot, startE2E, type E2E } from './harness';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  const api = await e2e.api('marie');
  await api('POST', '/clients/', { nom: 'Existant', societe: 'Déjà SA', email: 'deja@exemple.fr' });
});
afterAll(() => e2e?.close());

async function login(width: number): Promise<Page> {
  // bypassCSP: to inject axe-core.
  const context = await e2e.browser.newContext({
    viewport: { width, height: 900 },
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
    bypassCSP: true,
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${e2e.base}/login`);
  await page.getByLabel("Nom d'utilisateur ou e-mail").fill('marie');
  await page.getByLabel('Mot de passe').fill(PASSWORD);
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { name: /Bonjour/ }).waitFor();
  return page;
}

async function seriousAxeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const result = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return result.violations as { id: string; impact: string; nodes: { target: string[] }[] }[];
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const CSV = [
  'Nom;Société;Courriel;Téléphone;Remarque libre',
  'Boulangerie Martin;Martin SARL;contact@martin.fr;01 23 45 67 89;Client fidèle',
  'Garage Petit;;pas-un-email;;À rappeler',
  'Existant;deja sa;;;même nom et société',
  'Fleurs Dubois;Dubois;fleurs@dubois.fr;;',
].join('\r\n');

describe('import from the SPA', () => {
  it('« Importer » from the clients list: upload, mapping editor, preview with errors per cell, options, progress, summary, rejected rows', async () => {
    const page = await login(1440);
    await page.goto(`${e2e.base}/clients`);
    await page.getByRole('link', { name: 'Importer' }).click();
    await page.waitForURL(/\/imports\/nouveau\?ressource=clients$/);
    await page.getByRole('heading', { name: 'Importer des clients', level: 1 }).waitFor();
    expect(await page.getByLabel('Que contient le fichier ?').inputValue()).toBe('clients');

    // A refused file: the reason under the field, the form as it was.
    await page
      .getByLabel(/^Fichier/)
      .setInputFiles({ name: 'vide.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) });
    await page.getByRole('button', { name: 'Analyser le fichier' }).click();
    await page.getByText('Le fichier est vide.').waitFor();
    expect(await page.getByRole('alert').first().textContent()).toContain('Fichier refusé');
    expect(await page.getByLabel('Que contient le fichier ?').inputValue()).toBe('clients');

    await page
      .getByLabel(/^Fichier/)
      .setInputFiles({ name: 'clients.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${CSV}`, 'utf8') });
    await page.getByRole('button', { name: 'Analyser le fichier' }).click();
    await page.waitForURL(/\/imports\/\d+$/);
    await page.getByRole('heading', { name: 'Correspondance des colonnes' }).waitFor();
    // Recognised headers are mapped; the unknown one is ignored until the user maps it.
    expect(await page.getByLabel('Courriel', { exact: true }).inputValue()).toBe('email');
    expect(await page.getByLabel('Remarque libre', { exact: true }).inputValue()).toBe('');
    const preview = page.getByRole('region', { name: 'Aperçu des premières lignes' });
    await preview.getByText('Adresse e-mail invalide.').waitFor();
    expect(await preview.locator('td.import-cell--error').count()).toBe(1);
    expect(await preview.getByText('Déjà dans le CRM', { exact: false }).count()).toBe(1);

    // Keyboard: map « Remarque libre » to Notes; the preview is analysed again.
    const select = page.getByLabel('Remarque libre', { exact: true });
    await select.focus();
    await select.selectOption('notes');
    await expect.poll(() => page.getByRole('columnheader', { name: /Remarque libre → Notes/ }).count()).toBe(1);
    await page
      .getByRole('status')
      .filter({ hasText: 'Nouvelle analyse' })
      .waitFor({ state: 'detached' })
      .catch(() => {});

    const problems = await seriousAxeViolations(page);
    expect(problems).toEqual([]);
    await shot(page, `crm-import-apercu.png`, { fullPage: true });

    await page.getByLabel('Importer seulement les lignes valides').check();
    await page.getByLabel('Ignorer les doublons').check();
    await page.getByRole('button', { name: 'Lancer l’import' }).click();
    await page.getByRole('heading', { name: 'Import terminé' }).waitFor({ timeout: 30_000 });
    const summary = await page.locator('.import-counts').textContent();
    expect(summary).toContain('2 créé(s)');
    expect(summary).toContain('1 doublon(s) ignoré(s)');
    expect(summary).toContain('1 rejeté(s)');
    await shot(page, `crm-import-termine.png`, { fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Télécharger les lignes rejetées (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('clients-rejets.csv');
    const report = (await downloaded(download)).toString('utf8');
    expect(report).toContain('3;Garage Petit;;pas-un-email;;À rappeler;E-mail : Adresse e-mail invalide.');

    const api = await e2e.api('marie');
    const created = await api('GET', '/clients/?search=martin');
    expect(created.results.map((c: any) => [c.nom, c.notes, c.telephone])).toEqual([
      ['Boulangerie Martin', 'Client fidèle', '+33123456789'],
    ]);
    // The import page lists the recent imports: this one, finished, with its report of rejected rows.
    await page.getByRole('link', { name: 'Imports récents' }).click();
    await page.waitForURL(/\/imports\/nouveau\?ressource=clients$/);
    const recents = page.getByRole('region', { name: 'Imports récents' });
    const row = recents.getByRole('row').filter({ has: page.getByRole('link', { name: 'clients.csv' }) });
    await row.waitFor();
    expect(await row.textContent()).toContain('Terminé');
    expect(await row.textContent()).toContain('2 créé(s), 0 mis à jour, 1 ignoré(s), 1 rejeté(s)');
    const [again] = await Promise.all([
      page.waitForEvent('download'),
      row.getByRole('button', { name: 'Lignes rejetées de clients.csv (CSV)' }).click(),
    ]);
    expect(again.suggestedFilename()).toBe('clients-rejets.csv');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, `crm-import-recents.png`, { fullPage: true });
    await row.getByRole('link', { name: 'clients.csv' }).click();
    await page.getByRole('heading', { name: 'Import terminé' }).waitFor();

    await page.getByRole('link', { name: 'Voir les clients' }).click();
    await page.waitForURL(/\/clients$/);
    await page.getByRole('link', { name: 'Fleurs Dubois' }).waitFor();
    await page.context().close();
  });

  it('at 390 px the import page fits the width and has no serious axe violation', async () => {
    const api = await e2e.api('marie');
    const page = await login(390);
    await page.goto(`${e2e.base}/imports/nouveau?ressource=taches`);
    await page.getByRole('heading', { name: 'Importer des tâches', level: 1 }).waitFor();
    // The recent imports (the first test's) fit the width too.
    await page.getByRole('region', { name: 'Imports récents' }).getByRole('link', { name: 'clients.csv' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, `crm-import-recents-390.png`, { fullPage: true });
    await page.getByLabel(/^Fichier/).setInputFiles({
      name: 'taches.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'Titre,Priorité,Échéance,Client\nRappeler,Haute,15/01/2027,Existant\nSans date,basse,,\n',
        'utf8',
      ),
    });
    await page.getByRole('button', { name: 'Analyser le fichier' }).click();
    await page.getByRole('heading', { name: 'Aperçu' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    expect(await seriousAxeViolations(page)).toEqual([]);
    await shot(page, `crm-import-390.png`, { fullPage: true });
    // All or nothing (the default) with an invalid row: nothing is imported, and the page says so.
    await page.getByRole('button', { name: 'Lancer l’import' }).click();
    await page.getByRole('heading', { name: 'Import non effectué' }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('alert').first().textContent()).toContain('rien n’a été importé');
    expect((await api('GET', '/taches/')).count).toBe(0);
    await page.context().close();
  });
});
