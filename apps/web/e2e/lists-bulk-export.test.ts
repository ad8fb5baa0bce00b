import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloaded, isoDay, startE2E, type E2E } from './harness';

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  const marie = await e2e.api('marie');
  const client = (await marie('POST', '/clients/', { nom: 'Atelier Dubois' })).id;
  for (const titre of ['Relancer Dubois', 'Envoyer catalogue', 'Préparer visite']) {
    await marie('POST', '/taches/', { titre, client, priorite: 'basse', dateEcheance: isoDay(10) });
  }
});
afterAll(() => e2e?.close());

describe('list screens: bulk actions and export', () => {
  it('selects two tâches and raises their priorité in one action', async () => {
    const page = await e2e.loggedIn('marie', '/taches');
    await page.getByRole('heading', { name: 'Tâches', level: 1 }).waitFor();
    const rows = page.getByRole('row');
    await rows.filter({ hasText: 'Relancer Dubois' }).getByRole('checkbox').check();
    await rows.filter({ hasText: 'Envoyer catalogue' }).getByRole('checkbox').check();
    const bar = page.getByRole('region', { name: 'Actions groupées' });
    expect(await bar.getByRole('status').textContent()).toContain('2 lignes sélectionnées');
    await bar.getByLabel('Action').selectOption('changer_priorite');
    await bar.getByLabel('Priorité').selectOption('urgente');
    await bar.getByRole('button', { name: 'Appliquer' }).click();
    await expect.poll(() => page.getByText('2 lignes modifiées.').count()).toBe(1);
    await expect.poll(() => rows.filter({ hasText: 'Urgente' }).count()).toBe(2);
    expect(await page.getByRole('region', { name: 'Actions groupées' }).count()).toBe(0);
    await page.context().close();
  });

  it('« Exporter » downloads the list as shown (search applied) as CSV', async () => {
    const page = await e2e.loggedIn('marie', '/taches?search=dubois');
    await page.getByRole('heading', { name: 'Tâches', level: 1 }).waitFor();
    await page.getByText('Exporter', { exact: true }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'CSV (Excel français)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^taches-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = (await downloaded(download)).toString('utf8');
    const lines = text
      .replace(/^\uFEFF/, '')
      .split('\r\n')
      .filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(';Relancer Dubois;Atelier Dubois;');
    await page.context().close();
  });
});
