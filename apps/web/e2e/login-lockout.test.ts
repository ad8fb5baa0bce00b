import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startE2E, type E2E } from './harness';

/** The login page warns before the lockout and, once locked, says how long to wait (from the API's headers). */
let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E();
  await e2e.user('lea', 'manager');
});
afterAll(() => e2e?.close());

describe('login lockout', () => {
  it('warns before the last attempts, then says how long to wait, in French', async () => {
    const context = await e2e.browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${e2e.base}/login`);
    const alert = page.locator('.login-card [role="alert"]');
    const attempt = async (password: string) => {
      await page.getByLabel("Nom d'utilisateur ou e-mail").fill('lea');
      await page.getByLabel('Mot de passe').fill(password);
      const answered = page.waitForResponse((r) => r.url().includes('/trpc/auth.login'));
      await page.getByRole('button', { name: 'Se connecter' }).click();
      await answered;
      await page.getByRole('button', { name: 'Se connecter' }).waitFor();
      await alert.waitFor();
    };
    const alertText = async () => (await alert.textContent()) ?? '';
    for (const expected of [
      null,
      null,
      'Il vous reste 2 tentatives avant',
      'Il vous reste 1 tentative avant',
      'la connexion est maintenant bloquée',
    ]) {
      await attempt('mauvais-mot-de-passe');
      if (expected) await expect.poll(alertText).toContain(expected);
      else {
        await page.waitForTimeout(300);
        expect(await alertText()).not.toContain('tentative');
      }
    }
    // Locked now, even with the right password.
    await attempt(PASSWORD);
    await expect.poll(alertText).toBe('Trop de tentatives. Réessayez dans 15 minutes.');
    expect(await page.getByLabel("Nom d'utilisateur ou e-mail").inputValue()).toBe('lea');
    await context.close();
  });
});
