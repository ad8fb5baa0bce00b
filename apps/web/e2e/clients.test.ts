import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, shot, startE2E, type E2E, navLink, plain } from './harness';

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('marie', 'manager');
  await e2e.user('paul', 'commercial');
  await e2e.user('alice', 'admin');
});
afterAll(() => e2e?.close());

describe('login, dashboard and clients', () => {
  it('refuses a wrong password with a visible message, then logs in', async () => {
    const context = await e2e.browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    await page.goto(`${e2e.base}/clients`);
    await page.waitForURL(/\/login\?next=/);
    await page.getByLabel("Nom d'utilisateur ou e-mail").fill('marie');
    await page.getByLabel('Mot de passe').fill('mauvais-mot-de-passe');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Identifiants invalides');
    await page.getByLabel('Mot de passe').fill(PASSWORD);
    await page.getByRole('button', { name: 'Se connecter' }).click();
    // Back where the user wanted to go.
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/clients');
    await context.close();
  });

  it('creates a client: a server-side validation error is shown next to its field, then fixed', async () => {
    const page = await e2e.loggedIn('marie');
    await page.getByRole('heading', { name: /Bonjour/ }).waitFor();
    await navLink(page, 'Clients').click();
    await page.getByText('Aucun client trouvé.').waitFor();
    await page.getByRole('link', { name: '+ Nouveau client' }).click();
    await page.getByLabel('Nom').fill('Boulangerie Dupont');
    await page.getByLabel('Société').fill('Dupont SARL');
    await page.getByLabel('E-mail').fill('contact@dupont.fr');
    await page.getByLabel('Téléphone').fill('12');
    await page.getByRole('button', { name: 'Enregistrer' }).click();

    const phone = page.getByLabel('Téléphone');
    await expect.poll(() => phone.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await phone.getAttribute('aria-describedby'))!.split(' ')[0];
    expect(await page.locator(`[id="${describedBy}"]`).textContent()).toBe('Numéro de téléphone invalide.');
    expect(await page.getByRole('alert').first().textContent()).toContain('corrigez les champs');
    expect(await phone.evaluate((el) => el === document.activeElement)).toBe(true);
    await shot(page, `crm-client-form-error.png`, { fullPage: true });

    await phone.fill('01 23 45 67 89');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('heading', { name: 'Boulangerie Dupont', level: 1 }).waitFor();
    // Stored in E.164, shown in French national form, a tap-to-call link.
    expect(await page.getByRole('link', { name: '01 23 45 67 89' }).getAttribute('href')).toBe('tel:+33123456789');
    await page.getByText('Aucun projet pour ce client.').waitFor();
    // Computed values of the detail, formatted in French.
    expect(await page.locator('.stat', { hasText: 'Valeur client' }).textContent().then(plain)).toContain('0,00 €');

    // The list shows it, and search is kept in the URL.
    await navLink(page, 'Clients').click();
    await page.getByRole('searchbox').fill('dupont');
    await page.waitForURL(/search=dupont/);
    await page.getByRole('link', { name: 'Boulangerie Dupont' }).waitFor();
    await page.reload();
    await page.getByRole('link', { name: 'Boulangerie Dupont' }).waitFor();
    expect(await page.getByRole('searchbox').inputValue()).toBe('dupont');
    await page.context().close();
  });

  it('hides delete from a commercial, shows it to a manager', async () => {
    const api = await e2e.api('paul');
    const c = await api('POST', '/clients/', { nom: 'Client de Paul' });
    const paul = await e2e.loggedIn('paul', `/clients/${c.id}`);
    await paul.getByRole('heading', { name: 'Client de Paul', level: 1 }).waitFor();
    expect(await paul.getByRole('button', { name: 'Supprimer' }).count()).toBe(0);
    await paul.context().close();

    const marie = await e2e.loggedIn('marie', `/clients/${c.id}`);
    await marie.getByRole('button', { name: 'Supprimer' }).click();
    await marie
      .getByRole('dialog', { name: 'Confirmer la suppression' })
      .getByRole('button', { name: 'Supprimer' })
      .click();
    await marie.waitForURL(/\/clients$/);
    await marie.getByRole('link', { name: 'Boulangerie Dupont' }).waitFor();
    expect(await marie.getByRole('link', { name: 'Client de Paul' }).count()).toBe(0);
    await marie.context().close();
  });

  it('shows the dashboard with stats and charts', async () => {
    const api = await e2e.api('marie');
    const c = await api('POST', '/clients/', { nom: 'Garage Martin' });
    await api('POST', '/opportunites/', { nom: 'Entretien flotte', client: c.id, montant: 1234.5, probabilite: 50 });
    const page = await e2e.loggedIn('marie');
    await page.locator('.stat', { hasText: 'Pipeline' }).waitFor();
    await expect
      .poll(() => page.locator('.stat', { hasText: 'Pipeline' }).textContent().then(plain))
      .toContain('1 234,50 €');
    await page.locator('canvas').first().waitFor();
    expect(await page.locator('canvas').count()).toBe(2);
    await page.getByRole('link', { name: 'Entretien flotte' }).waitFor();
    await shot(page, `crm-dashboard.png`, { fullPage: true });
    await page.context().close();
  });

  it('renews an expired access cookie transparently, changes the password, logs out', async () => {
    const page = await e2e.loggedIn('marie');
    const context = page.context();
    await context.clearCookies({ name: 'crm_access' });
    await navLink(page, 'Projets').click();
    await page.getByText('Aucun projet trouvé.').waitFor();
    expect((await context.cookies()).some((c) => c.name === 'crm_access')).toBe(true);

    await page.getByRole('link', { name: 'Mot de passe', exact: true }).click();
    await page.getByLabel('Mot de passe actuel').fill('pas-le-bon-mot-de-passe');
    await page.getByLabel('Nouveau mot de passe').fill('Nouveau-secret-2026');
    await page.getByLabel('Confirmation').fill('Nouveau-secret-2026');
    await page.getByRole('button', { name: 'Changer le mot de passe' }).click();
    await expect.poll(() => page.getByLabel('Mot de passe actuel').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText('Mot de passe actuel incorrect.').count()).toBe(1);
    await page.getByLabel('Mot de passe actuel').fill(PASSWORD);
    await page.getByLabel('Nouveau mot de passe').fill('1234567890');
    await page.getByLabel('Confirmation').fill('1234567890');
    await page.getByRole('button', { name: 'Changer le mot de passe' }).click();
    await page.getByText('Le mot de passe ne peut pas être entièrement numérique.').waitFor();

    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.waitForURL(/\/login/);
    await page.goto(`${e2e.base}/clients`);
    await page.waitForURL(/\/login\?next=%2Fclients/);
    await context.close();
  });

  it('lets an admin create a team member who can then log in', async () => {
    const page = await e2e.loggedIn('alice');
    await page.getByRole('link', { name: 'Équipe', exact: true }).click();
    await page.getByRole('button', { name: '+ Nouvel utilisateur' }).click();
    const dialog = page.getByRole('dialog', { name: 'Nouvel utilisateur' });
    await dialog.getByLabel('Prénom').fill('Léa');
    await dialog.getByLabel("Nom d'utilisateur").fill('lea');
    await dialog.getByLabel('Mot de passe').fill('court');
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await dialog.getByText('Le mot de passe doit contenir au moins 10 caractères.').waitFor();
    await dialog.getByLabel('Mot de passe').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByRole('cell', { name: 'lea', exact: true }).waitFor();
    await page.context().close();
    const lea = await e2e.loggedIn('lea');
    await lea.getByRole('heading', { name: 'Bonjour Léa' }).waitFor();
    expect(await lea.getByRole('link', { name: 'Équipe', exact: true }).count()).toBe(0);
    await lea.context().close();
  });
});
