import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { createApp, startTestApp, type TestApp, type RestClient } from './helpers.js';

/**
 * API keys (`/api/cles-api/`, `Authorization: Bearer crm_…`): secret shown once and stored hashed,
 * acting as a chosen user (visibility and role follow that user), scopes per resource family (403
 * outside them), no account management with a key, immediate revocation on every instance.
 */
let t: TestApp;
let other: App; // a second API instance on the same database
let admin: RestClient;
let paul: RestClient;
let paulId: number;
let julieId: number;

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });
const key = (secret: string) => ({
  get: (path: string) => t.anonymous().get(path, bearer(secret)),
  post: (path: string, body?: unknown) => t.anonymous().post(path, body ?? {}, bearer(secret)),
});

beforeAll(async () => {
  t = await startTestApp();
  other = await createApp({
    databaseUrl: t.dbUrl,
    env: { NODE_ENV: 'test', JWT_SECRET: 'test-secret-that-is-long-enough-0123456789' },
    config: { secureCookies: false },
  });
  await t.user('root', 'admin');
  paulId = await t.user('paul', 'commercial');
  julieId = await t.user('julie', 'commercial');
  admin = await t.as('root');
  paul = await t.as('paul');
  await paul.post('/clients/', { nom: 'Client de Paul' });
  const julie = await t.as('julie');
  await julie.post('/clients/', { nom: 'Client de Julie' });
});
afterAll(async () => {
  await other?.close();
  await t?.close();
});

async function createKey(by: RestClient, body: Record<string, unknown>) {
  const res = await by.post('/cles-api/', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: number; secret: string; prefixe: string; scopes: string[]; user: number; active: boolean };
}

describe('API keys', () => {
  it('shows the secret once, stores only its hash, and identifies the key by a visible prefix', async () => {
    const k = await createKey(admin, { nom: 'Zapier', scopes: ['clients:lecture'], user: paulId });
    expect(k.secret).toMatch(/^crm_[a-z2-7]{52}$/);
    expect(k.prefixe).toBe(k.secret.slice(0, 12));
    expect(k).toMatchObject({ user: paulId, active: true, scopes: ['clients:lecture'] });
    const detail = (await admin.get(`/cles-api/${k.id}/`)).json();
    expect(detail.secret).toBeUndefined();
    const [row] = await t.sql(`select hash, prefixe from cles_api where id = ?`, [k.id]);
    expect(row.hash).not.toContain(k.secret.slice(4, 20));
    expect(row.hash).toHaveLength(64);
    const audit = await t.sql(`select action from audit_log where entity = 'cles_api' and entity_id = ?`, [k.id]);
    expect(audit.map((a) => a.action)).toContain('cles_api.creation');
  });

  it('acts as its user: visibility follows that user, and last use (date, IP) is recorded', async () => {
    const k = await createKey(admin, { nom: 'Lecture Paul', scopes: ['clients:lecture'], user: paulId });
    const res = await key(k.secret).get('/clients/');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().results.map((c: any) => c.nom)).toEqual(['Client de Paul']);
    expect((await key(k.secret).get('/auth/user/')).json()).toMatchObject({ id: paulId, username: 'paul' });
    await expect.poll(async () => (await admin.get(`/cles-api/${k.id}/`)).json().derniereUtilisation).not.toBeNull();
    expect((await admin.get(`/cles-api/${k.id}/`)).json().derniereIp).toBe('127.0.0.1');
  });

  it('refuses what is outside its scopes with 403, and writes need `ecriture` (which implies reading)', async () => {
    const read = await createKey(admin, { nom: 'R', scopes: ['clients:lecture'], user: paulId });
    const denied = await key(read.secret).post('/clients/', { nom: 'Nouveau' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ code: 'FORBIDDEN', fieldErrors: {} });
    expect((await key(read.secret).get('/projets/')).statusCode).toBe(403);

    const write = await createKey(admin, { nom: 'W', scopes: ['clients:ecriture', 'projets:lecture'], user: paulId });
    // No CSRF header needed: a key is a bearer credential.
    const created = await key(write.secret).post('/clients/', { nom: 'Créé par clé' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().responsable).toBe(paulId);
    expect((await key(write.secret).get('/clients/')).statusCode).toBe(200);
    expect((await key(write.secret).get('/projets/')).statusCode).toBe(200);
    expect((await key(write.secret).post('/projets/', { titre: 'x', client: created.json().id })).statusCode).toBe(403);

    const all = await createKey(admin, { nom: 'Tout', scopes: ['*:lecture'], user: paulId });
    expect((await key(all.secret).get('/taches/')).statusCode).toBe(200);
    expect((await key(all.secret).post('/taches/', { titre: 'x' })).statusCode).toBe(403);
  });

  it('never manages accounts or keys, and plain routes check scopes too', async () => {
    const k = await createKey(admin, { nom: 'Admin total', scopes: ['*:ecriture'] });
    expect((await key(k.secret).get('/cles-api/')).statusCode).toBe(403);
    expect((await key(k.secret).post('/cles-api/', { nom: 'x', scopes: ['*:lecture'] })).statusCode).toBe(403);
    expect((await key(k.secret).post('/auth/logout/')).statusCode).toBe(403);
    expect((await key(k.secret).post('/calendrier/jeton/')).statusCode).toBe(403);

    const o = (
      await admin.post('/opportunites/', {
        nom: 'Affaire',
        client: (await admin.post('/clients/', { nom: 'PDF SA' })).json().id,
      })
    ).json();
    const d = (await admin.post('/devis/', { opportunite: o.id, montant: 100 })).json();
    const devisKey = await createKey(admin, { nom: 'Devis', scopes: ['devis:lecture'] });
    const pdf = await key(devisKey.secret).get(`/devis/${d.id}/pdf/`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const clientsKey = await createKey(admin, { nom: 'Clients', scopes: ['clients:lecture'] });
    expect((await key(clientsKey.secret).get(`/devis/${d.id}/pdf/`)).statusCode).toBe(403);
  });

  it('is refused at once on every instance when revoked, expired, or its user deactivated', async () => {
    const k = await createKey(admin, { nom: 'Révocable', scopes: ['clients:lecture'], user: paulId });
    const onOther = () => other.app.inject({ method: 'GET', url: '/api/clients/', headers: bearer(k.secret) });
    expect((await onOther()).statusCode).toBe(200);
    expect((await admin.delete(`/cles-api/${k.id}/`)).statusCode).toBe(204);
    expect((await onOther()).statusCode).toBe(401);
    expect((await key(k.secret).get('/clients/')).statusCode).toBe(401);
    expect((await admin.get(`/cles-api/${k.id}/`)).json()).toMatchObject({
      active: false,
      revoqueeLe: expect.any(String),
    });
    const audit = await t.sql(`select action, entity from audit_log where action = 'delete' and entity_id = ?`, [k.id]);
    expect(audit).toEqual([{ action: 'delete', entity: 'clesApi' }]);

    const expiring = await createKey(admin, {
      nom: 'Expire',
      scopes: ['clients:lecture'],
      user: paulId,
      expireLe: new Date(Date.now() + 3600_000).toISOString(),
    });
    expect((await key(expiring.secret).get('/clients/')).statusCode).toBe(200);
    await t.sql(`update cles_api set expire_le = now() - interval '1 second' where id = ?`, [expiring.id]);
    expect((await key(expiring.secret).get('/clients/')).statusCode).toBe(401);

    const j = await createKey(admin, { nom: 'Julie', scopes: ['clients:lecture'], user: julieId });
    expect((await key(j.secret).get('/clients/')).statusCode).toBe(200);
    expect((await admin.patch(`/users/${julieId}/`, { isActive: false })).statusCode).toBe(200);
    expect((await key(j.secret).get('/clients/')).statusCode).toBe(401);
    expect((await admin.patch(`/users/${julieId}/`, { isActive: true })).statusCode).toBe(200);

    expect((await key(`crm_${'a'.repeat(52)}`).get('/clients/')).statusCode).toBe(401);
  });

  it('lets users create their own keys only when an admin allows it', async () => {
    const refused = await paul.post('/cles-api/', { nom: 'Moi', scopes: ['clients:lecture'] });
    expect(refused.statusCode).toBe(403);
    expect((await paul.put('/cles-api/reglages/', { libreService: true })).statusCode).toBe(403);
    expect((await admin.put('/cles-api/reglages/', { libreService: true })).json()).toEqual({ libreService: true });
    const mine = await createKey(paul, { nom: 'Moi', scopes: ['clients:lecture'] });
    expect(mine.user).toBe(paulId);
    expect(
      (await paul.post('/cles-api/', { nom: 'Pour Julie', scopes: ['clients:lecture'], user: julieId })).statusCode,
    ).toBe(403);
    // Paul sees and revokes only his own keys; others' are 404 to him.
    const listRes = await paul.get('/cles-api/');
    expect(listRes.statusCode, listRes.body).toBe(200);
    const list = listRes.json();
    expect(list.results.every((k: any) => k.user === paulId)).toBe(true);
    const adminKey = await createKey(admin, { nom: 'Admin', scopes: ['clients:lecture'] });
    expect((await paul.get(`/cles-api/${adminKey.id}/`)).statusCode).toBe(404);
    expect((await paul.delete(`/cles-api/${adminKey.id}/`)).statusCode).toBe(404);
    expect((await paul.delete(`/cles-api/${mine.id}/`)).statusCode).toBe(204);
    await admin.put('/cles-api/reglages/', { libreService: false });
  });

  it('validates its input in the contract shape', async () => {
    const bad = await admin.post('/cles-api/', {
      nom: '',
      scopes: ['clients:tout', 'inconnu:lecture'],
      expireLe: 'demain',
      user: 999999,
    });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().fieldErrors).sort()).toEqual(['expireLe', 'nom', 'scopes.0', 'scopes.1']);
    const past = await admin.post('/cles-api/', { nom: 'x', scopes: ['*:lecture'], expireLe: '2020-01-01T00:00:00Z' });
    expect(past.json().fieldErrors).toHaveProperty('expireLe');
    const ghost = await admin.post('/cles-api/', { nom: 'x', scopes: ['*:lecture'], user: 999999 });
    expect(ghost.statusCode).toBe(400);
    expect(ghost.json().fieldErrors).toHaveProperty('user');
    expect((await t.anonymous().get('/cles-api/')).statusCode).toBe(401);
  });
});
