import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shot, startE2E, type E2E } from './harness';

let e2e: E2E;
let lefevre: number;
beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  await e2e.user('paul', 'commercial');
  const marie = await e2e.api('marie');
  lefevre = (await marie('POST', '/clients/', { nom: 'Lefèvre Hélène', societe: 'Boulangerie Lefèvre' })).id;
  await marie('POST', '/clients/', { nom: 'Lefranc Noël', societe: 'Garage Lefranc' });
  await marie('POST', '/opportunites/', { nom: 'Fournitures Lefèvre', client: lefevre, montant: 800, probabilite: 40 });
});
afterAll(() => e2e?.close());

describe('command palette (Ctrl+K)', () => {
  it('opens with Ctrl+K, searches as you type (« lef » finds Lefèvre), arrows + Enter open the hit', async () => {
    const page = await e2e.loggedIn('marie');
    await page.getByRole('heading', { name: /Bonjour/ }).waitFor();
    await page.keyboard.press('Control+k');
    const dialog = page.getByRole('dialog', { name: 'Rechercher' });
    await dialog.waitFor();
    const input = dialog.getByRole('combobox');
    expect(await input.evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.type('lef');
    const clients = dialog.getByRole('group', { name: 'Clients' });
    await expect
      .poll(() => clients.getByRole('option').allTextContents())
      .toEqual([expect.stringContaining('Lefranc Noël'), expect.stringContaining('Lefèvre Hélène')]);
    expect(await dialog.getByRole('group', { name: 'Opportunités' }).getByRole('option').allTextContents()).toEqual([
      expect.stringContaining('Fournitures Lefèvre'),
    ]);
    await shot(page, `crm-palette.png`);
    // The first option is active; ArrowDown moves to Lefèvre (aria-activedescendant follows).
    await page.keyboard.press('ArrowDown');
    const activeId = await input.getAttribute('aria-activedescendant');
    expect(await page.locator(`[id="${activeId}"]`).textContent()).toContain('Lefèvre Hélène');
    expect(await page.locator(`[id="${activeId}"]`).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/clients/${lefevre}$`));
    await page.getByRole('heading', { name: 'Lefèvre Hélène', level: 1 }).waitFor();
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.context().close();
  });

  it('finds contacts by name or e-mail; Enter opens their client', async () => {
    const marie = await e2e.api('marie');
    await marie('POST', `/clients/${lefevre}/contacts/`, {
      prenom: 'Théo',
      nom: 'Gérard',
      email: 'theo.gerard@boulangerie.fr',
    });
    const page = await e2e.loggedIn('marie');
    // The shortcut listens once the app frame has mounted: on a loaded machine a Ctrl+K sent as soon as
    // the navigation showed was lost. The dashboard's heading comes after it (as in the test above).
    await page.getByRole('heading', { name: /Bonjour/ }).waitFor();
    await page.keyboard.press('Control+k');
    const dialog = page.getByRole('dialog', { name: 'Rechercher' });
    await dialog.waitFor();
    await page.keyboard.type('gerard');
    const contacts = dialog.getByRole('group', { name: 'Contacts' });
    await expect
      .poll(() => contacts.getByRole('option').allTextContents())
      .toEqual([expect.stringContaining('Théo Gérard')]);
    expect(await contacts.getByRole('option').first().textContent()).toContain('Lefèvre Hélène');
    // The only hit is active: Enter opens it.
    const activeId = await dialog.getByRole('combobox').getAttribute('aria-activedescendant');
    expect(await page.locator(`[id="${activeId}"]`).textContent()).toContain('Théo Gérard');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`/clients/${lefevre}$`));
    await page.getByRole('heading', { name: 'Lefèvre Hélène', level: 1 }).waitFor();
    await page.context().close();
  });

  it('header search box and quick actions: « Nouvelle tâche » opens the form; Escape closes; a commercial finds nothing of others', async () => {
    const page = await e2e.loggedIn('paul');
    await page.setViewportSize({ width: 390, height: 800 });
    await page.getByRole('button', { name: /Rechercher/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Rechercher' });
    await page.keyboard.type('lef');
    await expect.poll(() => dialog.getByText('Aucun résultat pour « lef ».').count()).toBe(1);
    expect(await dialog.getByRole('group', { name: 'Clients' }).count()).toBe(0);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);

    await page.keyboard.press('Control+k');
    await page.keyboard.type('nouvelle tache');
    const option = dialog.getByRole('option', { name: /Nouvelle tâche/ });
    await option.waitFor();
    expect(await dialog.getByRole('option').count()).toBe(1);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/taches\/nouvelle$/);
    await page.context().close();
  });
});
