import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startE2E, type E2E } from './harness';

let e2e: E2E;
let api: Awaited<ReturnType<E2E['api']>>;
let page: Page;
let lastId: number;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  api = await e2e.api('marie');
  // 1 000 clients in one statement: far more than any first page of choices.
  const rows = await e2e.app.orm.em
    .getConnection()
    .execute(
      `insert into clients (nom, societe) select 'Client ' || lpad(i::text, 4, '0'), 'Société ' || i from generate_series(1, 1000) i returning id`,
    );
  lastId = Math.max(...rows.map((r) => Number(r.id)));
  page = await e2e.loggedIn('marie');
});
afterAll(() => e2e?.close());

const picker = (name: string) => page.getByRole('combobox', { name, exact: true });
/** Options of the open picker (not those of the page's <select>s). */
const options = () => page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option');

describe('record pickers at any volume', () => {
  it('finds and picks the 1 000th client from the keyboard', async () => {
    await page.goto(`${e2e.base}/opportunites/nouvelle`);
    await page.getByRole('textbox', { name: 'Nom', exact: true }).fill('Contrat annuel');
    const client = picker('Client');
    await client.click();
    await page.keyboard.type('1000');
    const option = options().filter({ hasText: 'Client 1000 (Société 1000)' });
    await option.waitFor();
    await expect.poll(() => page.getByRole('listbox', { name: 'Suggestions' }).getAttribute('aria-busy')).toBeNull();
    expect(await client.getAttribute('aria-expanded')).toBe('true');
    expect(await client.getAttribute('aria-activedescendant')).toBe(await option.getAttribute('id'));
    await page.keyboard.press('Enter');
    expect(await client.getAttribute('aria-expanded')).toBe('false');
    expect(await client.inputValue()).toBe('Client 1000 (Société 1000)');
    expect(new URL(page.url()).pathname).toBe('/opportunites/nouvelle'); // Enter chose, it did not submit
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('heading', { name: 'Contrat annuel', level: 1 }).waitFor();
    const saved = (await api('GET', '/opportunites/?search=Contrat')).results[0];
    expect(saved.client).toBe(lastId);
  });

  it('arrows move through the choices, Escape restores the previous choice', async () => {
    await page.goto(`${e2e.base}/projets/nouveau`);
    const client = picker('Client');
    await client.focus();
    await page.keyboard.press('ArrowDown');
    await options().filter({ hasText: 'Client 0001 (Société 1)' }).waitFor();
    // First the empty choice, then the clients by name.
    expect((await options().allTextContents()).slice(0, 3)).toEqual([
      '— Choisir un client —',
      'Client 0001 (Société 1)',
      'Client 0002 (Société 2)',
    ]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(
      await page.getByRole('listbox', { name: 'Suggestions' }).getByRole('option', { selected: true }).textContent(),
    ).toBe('Client 0002 (Société 2)');
    await page.keyboard.press('Enter');
    expect(await client.inputValue()).toBe('Client 0002 (Société 2)');
    await page.keyboard.type('zzz');
    await page.getByText('Aucun résultat.').waitFor();
    await page.keyboard.press('Escape');
    expect(await client.inputValue()).toBe('Client 0002 (Société 2)');
  });

  it('shows the name of a client preselected from the URL, in forms and list filters', async () => {
    await page.goto(`${e2e.base}/opportunites/nouvelle?client=${lastId}`);
    await expect.poll(() => picker('Client').inputValue()).toBe('Client 1000 (Société 1000)');
    await page.goto(`${e2e.base}/opportunites?client=${lastId}`);
    await page.getByRole('link', { name: 'Contrat annuel' }).waitFor();
    await expect.poll(() => picker('Client').inputValue()).toBe('Client 1000 (Société 1000)');
    expect(await page.getByText(`n° ${lastId}`).count()).toBe(0);
    // Clearing the filter from the list: the empty choice « Tous ».
    await picker('Client').click();
    await options().filter({ hasText: 'Tous' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('client')).toBeNull();
  });
});
