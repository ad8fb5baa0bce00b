import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shot, isoDay, startE2E, type E2E } from './harness';

/** Contacts quick add, the timeline composer (two clicks) and the live notification counter. */
let e2e: E2E;
let paulId: number;
beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  paulId = await e2e.user('paul', 'commercial');
});
afterAll(() => e2e?.close());

describe('the CRM’s memory', () => {
  it('adds a contact (keeping what was typed on error), logs a call in two clicks, and counts notifications live', async () => {
    const paulApi = await e2e.api('paul');
    const client = await paulApi('POST', '/clients/', { nom: 'Boulangerie Dupont' });
    const page = await e2e.loggedIn('paul', `/clients/${client.id}`);
    await page.getByRole('heading', { name: 'Boulangerie Dupont', level: 1 }).waitFor();
    await page.getByText('Aucun contact pour ce client.').waitFor();

    // Quick add: a bad e-mail is shown next to its field; the typed name stays.
    await page.getByRole('button', { name: '+ Ajouter un contact' }).click();
    const form = page.getByRole('form', { name: 'Nouveau contact' });
    await form.getByLabel('Prénom').fill('Sophie');
    await form.getByLabel(/^Nom/).fill('Dupont');
    await form.getByLabel('E-mail').fill('sophie@');
    await form.getByLabel('Contact principal').check();
    await form.getByRole('button', { name: 'Enregistrer le contact' }).click();
    await expect.poll(() => form.getByLabel('E-mail').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel(/^Nom/).inputValue()).toBe('Dupont');
    await form.getByLabel('E-mail').fill('sophie@boulangerie-dupont.fr');
    await form.getByRole('button', { name: 'Enregistrer le contact' }).click();
    await page.getByText('Sophie Dupont').waitFor();
    await page.getByText('Principal', { exact: true }).waitFor();

    // A call in two clicks: type, then save (the subject is prefilled).
    await page.getByRole('button', { name: 'Appel' }).click();
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    await page.getByText('Appel : Appel').waitFor();
    await page.getByText('Client « Boulangerie Dupont » créé').waitFor();

    // The header counter updates without reload when marie assigns a tâche to paul.
    const counter = page.locator('.notif-count');
    await expect.poll(() => counter.textContent()).toMatch(/^0/);
    const marieApi = await e2e.api('marie');
    await marieApi('POST', '/taches/', {
      titre: 'Rappeler Sophie',
      client: client.id,
      assigneA: paulId,
      priorite: 'haute',
      dateEcheance: isoDay(2),
    });
    await expect.poll(() => counter.textContent()).toMatch(/^1/);
    await page.getByRole('button', { name: /Notifications/ }).click();
    await page.getByRole('link', { name: /Rappeler Sophie/ }).waitFor();
    await shot(page, `crm-memory-client.png`, { fullPage: true });
    await page.getByRole('button', { name: 'Tout marquer comme lu' }).click();
    await expect.poll(() => counter.textContent()).toMatch(/^0/);

    // The opportunité page: moving the stage shows up in its history without reload.
    const opp = await paulApi('POST', '/opportunites/', { nom: 'Caisses', client: client.id, montant: 8400 });
    await page.goto(`${e2e.base}/opportunites/${opp.id}`);
    await page.getByText('Opportunité « Caisses » créée (8 400,00 €)').waitFor();
    await page.getByRole('button', { name: /Avancer l'étape/ }).click();
    await page.getByText('« Caisses » : Prospect → Qualification').waitFor();

    // Phone width: the page still fits.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.keyboard.press('Escape');
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.context().close();
  });
});
