import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './harness';

/**
 * « Intégrations »: an admin creates an API key acting as a commercial, copies the secret shown
 * once, the key works against the REST API within its scopes, and revoking it in the page refuses
 * it at once. Each user gets a calendar URL that serves their tâches.
 */
let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E({ env: { WEBHOOKS_ALLOW_PRIVATE: 'true', JOBS_POLL_SECONDS: '0.5' } });
  await e2e.user('alice', 'admin');
  await e2e.user('paul', 'commercial');
  const paul = await e2e.api('paul');
  const client = await paul('POST', '/clients/', { nom: 'Client de Paul' });
  const paulUser = await paul('GET', '/auth/user/');
  await paul('POST', '/taches/', {
    titre: 'Relancer le devis',
    priorite: 'haute',
    dateEcheance: '2027-02-01',
    client: client.id,
    assigneA: paulUser.id,
  });
});
afterAll(() => e2e?.close());

const withKey = (secret: string, path: string, init: RequestInit = {}) =>
  fetch(`${e2e.base}/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

describe('Intégrations', () => {
  it('creates a scoped API key acting as a user, shows its secret once, and revokes it', async () => {
    const page = await e2e.loggedIn('alice');
    await page.getByRole('link', { name: 'Intégrations' }).click();
    await page.getByRole('heading', { name: 'Intégrations', level: 1 }).waitFor();
    await page.getByRole('button', { name: '+ Nouvelle clé' }).click();
    const dialog = page.getByRole('dialog', { name: "Nouvelle clé d'API" });
    await dialog.getByLabel(/^Nom/).fill('Zapier');
    await dialog.getByLabel('Agit au nom de').selectOption({ label: 'Paul Test' });
    await dialog.getByLabel('Clients', { exact: true }).selectOption('lecture');
    await dialog.getByRole('button', { name: 'Créer la clé' }).click();
    const shown = page.getByRole('dialog', { name: 'Clé créée' });
    const secret = await shown.getByLabel('Secret').inputValue();
    expect(secret).toMatch(/^crm_/);
    await shown.getByRole('button', { name: "J'ai copié le secret" }).click();
    const row = page.getByRole('row', { name: /Zapier/ });
    await expect.poll(() => row.textContent()).toContain('Clients (lecture)');
    expect(await page.content()).not.toContain(secret);

    const clients = await withKey(secret, '/clients/');
    expect(clients.status).toBe(200);
    expect((await clients.json()).results.map((c: any) => c.nom)).toEqual(['Client de Paul']);
    expect((await withKey(secret, '/clients/', { method: 'POST', body: JSON.stringify({ nom: 'Non' }) })).status).toBe(
      403,
    );
    await page.reload();
    await expect.poll(() => page.getByRole('row', { name: /Zapier/ }).textContent()).toContain('127.0.0.1');

    await page.getByRole('button', { name: 'Révoquer la clé Zapier' }).click();
    await page.getByRole('dialog', { name: 'Révoquer la clé' }).getByRole('button', { name: 'Révoquer' }).click();
    await expect.poll(() => page.getByRole('row', { name: /Zapier/ }).textContent()).toContain('Révoquée');
    expect((await withKey(secret, '/clients/')).status).toBe(401);
    await page.context().close();
  });

  it('gives a commercial a calendar URL serving their tâches, and no key creation unless allowed', async () => {
    const page = await e2e.loggedIn('paul', '/integrations');
    await page.getByText("Seul un administrateur peut créer des clés d'API.").waitFor();
    await page.getByRole('button', { name: "Créer l'adresse de l'agenda" }).click();
    const url = await page.getByRole('dialog', { name: 'Adresse de votre agenda' }).getByLabel('Secret').inputValue();
    expect(url).toMatch(/\/api\/calendrier\/[a-z2-7]+\.ics$/);
    const ics = await (await fetch(url)).text();
    expect(ics).toContain('SUMMARY:Tâche : Relancer le devis');
    await page.context().close();
  });

  it('subscribes a webhook, shows its delivery log with the status code, and replays a delivery', async () => {
    const got: { id: string; type: string }[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        got.push({ id: String(req.headers['webhook-id']), type: JSON.parse(body).type });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/crm`;
    try {
      const page = await e2e.loggedIn('alice', '/integrations');
      await page.getByRole('button', { name: '+ Nouveau webhook' }).click();
      const dialog = page.getByRole('dialog', { name: 'Nouveau webhook' });
      await dialog.getByLabel(/^Adresse/).fill(url);
      await dialog.getByLabel('client.created').check();
      await dialog.getByRole('button', { name: 'Créer le webhook' }).click();
      const secret = await page
        .getByRole('dialog', { name: 'Webhook créé' })
        .getByLabel('Secret de signature')
        .inputValue();
      expect(secret).toMatch(/^whsec_/);
      await page
        .getByRole('dialog', { name: 'Webhook créé' })
        .getByRole('button', { name: 'Fermer', exact: true })
        .last()
        .click();

      const alice = await e2e.api('alice');
      await alice('POST', '/clients/', { nom: 'Nouveau client pour le webhook' });
      await expect.poll(() => got.length, { timeout: 15_000 }).toBe(1);
      await page.getByRole('button', { name: `Journal de ${url}` }).click();
      const log = page.getByRole('dialog', { name: `Journal de ${url}` });
      await expect.poll(() => log.getByRole('row').nth(1).textContent()).toMatch(/client\.createdLivré204/);
      await log
        .getByRole('button', { name: /Rejouer la livraison/ })
        .first()
        .click();
      await expect.poll(() => got.length, { timeout: 15_000 }).toBe(2);
      expect(got[1].id).toBe(got[0].id);
      await page.context().close();
    } finally {
      receiver.close();
    }
  });
});
