import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let manager: RestClient;
let alice: RestClient; // commercial
let bob: RestClient; // commercial
let aliceId: number;
let bobId: number;

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  [admin, manager, alice, bob] = await Promise.all([t.as('admin'), t.as('manager'), t.as('alice'), t.as('bob')]);
});
afterAll(async () => t?.close());

describe('clients CRUD over REST', () => {
  it('creates a client (201), normalizes the phone, defaults responsable to the creator', async () => {
    const res = await alice.post('/clients/', {
      nom: 'Société Générale des Eaux',
      email: 'Contact@Eaux.FR',
      telephone: '01 23 45 67 89',
      categorie: 'PME',
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const c = res.json();
    expect(c).toMatchObject({
      nom: 'Société Générale des Eaux',
      email: 'contact@eaux.fr',
      telephone: '+33123456789',
      responsable: aliceId,
    });
    expect(c.valeurClient).toBe(0);
    expect(c.dateCreation).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
  });

  it('rejects a missing nom and a bad phone with French field errors, English on request', async () => {
    const res = await alice.post('/clients/', { telephone: '12' });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('BAD_REQUEST');
    expect(body.fieldErrors.nom).toEqual(['Ce champ est obligatoire.']);
    expect(body.fieldErrors.telephone).toEqual(['Numéro de téléphone invalide.']);
    const en = await alice.post('/clients/', {}, { 'accept-language': 'en-US,en;q=0.9' });
    expect(en.json().fieldErrors.nom).toEqual(['This field is required.']);
    expect(en.json().message).toBe('Invalid data.');
  });

  it('answers 409 when the email is taken, case-insensitively', async () => {
    const res = await bob.post('/clients/', { nom: 'Doublon', email: 'CONTACT@eaux.fr' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'CONFLICT', fieldErrors: { email: [expect.any(String)] } });
  });

  it('answers without the trailing slash too, and 404 in the contract shape for unknown ids', async () => {
    expect((await alice.get('/clients')).statusCode).toBe(200);
    const res = await admin.get('/clients/999999/');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'NOT_FOUND', message: 'Ressource introuvable.', fieldErrors: {} });
  });

  it('PUT replaces, PATCH updates partially', async () => {
    const c = (await alice.post('/clients/', { nom: 'Patchable', societe: 'X' })).json();
    const p = await alice.patch(`/clients/${c.id}/`, { notes: 'appelé lundi' });
    expect(p.statusCode).toBe(200);
    expect(p.json()).toMatchObject({ nom: 'Patchable', societe: 'X', notes: 'appelé lundi' });
    const put = await alice.put(`/clients/${c.id}/`, { nom: 'Remplacé' });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ nom: 'Remplacé', societe: '', notes: '' });
    const bad = await alice.put(`/clients/${c.id}/`, { societe: 'sans nom' });
    expect(bad.statusCode).toBe(400);
  });
});

describe('clients visibility and permissions', () => {
  it('hides other commercials’ clients: absent from lists, 404 on detail, 404 on update', async () => {
    const mine = (await bob.post('/clients/', { nom: 'Client de Bob' })).json();
    const list = (await alice.get('/clients/?pageSize=100')).json();
    expect(list.results.map((c: any) => c.id)).not.toContain(mine.id);
    expect((await alice.get(`/clients/${mine.id}/`)).statusCode).toBe(404);
    expect((await alice.patch(`/clients/${mine.id}/`, { nom: 'volé' })).statusCode).toBe(404);
    expect((await manager.get(`/clients/${mine.id}/`)).statusCode).toBe(200);
  });

  it('forbids a commercial from giving a client to someone else', async () => {
    const res = await alice.post('/clients/', { nom: 'Cadeau', responsable: bobId });
    expect(res.statusCode).toBe(403);
  });

  it('DELETE: 403 for a commercial, 204 for a manager; 409 with children unless cascade by admin', async () => {
    const c = (await alice.post('/clients/', { nom: 'À supprimer' })).json();
    expect((await alice.delete(`/clients/${c.id}/`)).statusCode).toBe(403);
    expect((await manager.delete(`/clients/${c.id}/`)).statusCode).toBe(204);
    expect((await manager.get(`/clients/${c.id}/`)).statusCode).toBe(404);

    const parent = (await alice.post('/clients/', { nom: 'Parent' })).json();
    await t.sql(`insert into projets (titre, client_id) values ('p', ?)`, [parent.id]);
    await t.sql(`insert into opportunites (nom, client_id) values ('o', ?)`, [parent.id]);
    expect((await manager.delete(`/clients/${parent.id}/`)).statusCode).toBe(409);
    expect((await manager.delete(`/clients/${parent.id}/?cascade=true`)).statusCode).toBe(403);
    expect((await admin.delete(`/clients/${parent.id}/?cascade=true`)).statusCode).toBe(204);
    const [left] = await t.sql(
      `select (select count(*) from projets where client_id = ?)::int + (select count(*) from opportunites where client_id = ?)::int as n`,
      [parent.id, parent.id],
    );
    expect(left.n).toBe(0);
  });

  it('requires authentication', async () => {
    const res = await t.anonymous().get('/clients/');
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('UNAUTHORIZED');
  });
});

describe('clients list: search, filters, ordering, pagination, SQL count', () => {
  beforeAll(async () => {
    for (const [nom, societe, categorie] of [
      ['Hélène Dupré', 'Crème & Cœur', 'VIP'],
      ['Zoé Martin', 'Ébénisterie', 'PME'],
      ['Albert Ñuñez', 'Acme', 'VIP'],
    ]) {
      await manager.post('/clients/', { nom, societe, categorie, responsable: aliceId });
    }
  });

  it('searches accent- and case-insensitively', async () => {
    expect((await alice.get('/clients/?search=HELENE')).json().results.map((c: any) => c.nom)).toEqual([
      'Hélène Dupré',
    ]);
    expect((await alice.get('/clients/?search=coeur')).json().count).toBe(1);
    expect((await alice.get('/clients/?search=ebenist')).json().results[0].nom).toBe('Zoé Martin');
    expect((await alice.get('/clients/?search=nunez')).json().count).toBe(1);
  });

  it('a term with a number: the index looks up the number, the whole term is checked (substring, in order)', async () => {
    for (const nom of ['Dépôt 40321', 'Entrepôt 40321', 'Dépôt 4032'])
      await manager.post('/clients/', { nom, responsable: aliceId });
    const noms = async (q: string) =>
      (await alice.get(`/clients/?search=${encodeURIComponent(q)}&ordering=nom`)).json().results.map((c: any) => c.nom);
    expect(await noms('depot 40321')).toEqual(['Dépôt 40321']);
    expect(await noms('DÉPÔT 4032')).toEqual(['Dépôt 4032', 'Dépôt 40321']);
    expect(await noms('40321 depot')).toEqual([]);
    expect(await noms('entrepot 40321')).toEqual(['Entrepôt 40321']);
    // Only the number's trigrams go to the index (a word like « depot » is in many rows); the term is checked by strpos.
    const { statements } = await t.countSql(() => alice.get('/clients/?search=depot%2040321'));
    expect(statements.some((q) => /recherche like \? and strpos\(c\.recherche, \?\) > 0/.test(q))).toBe(true);
  });

  it('filters by categorie and responsable, orders by nom both ways', async () => {
    const vip = (await alice.get('/clients/?categorie=VIP&ordering=nom')).json();
    expect(vip.results.map((c: any) => c.nom)).toEqual(['Albert Ñuñez', 'Hélène Dupré']);
    const desc = (await alice.get('/clients/?categorie=VIP&ordering=-nom')).json();
    expect(desc.results.map((c: any) => c.nom)).toEqual(['Hélène Dupré', 'Albert Ñuñez']);
    const byResp = (await manager.get(`/clients/?responsable=${bobId}`)).json();
    expect(byResp.results.every((c: any) => c.responsable === bobId)).toBe(true);
  });

  it('validates paging and ordering: 400 above 100, unknown field, wrong type; empty page past the end', async () => {
    expect((await alice.get('/clients/?pageSize=101')).statusCode).toBe(400);
    const badOrder = await alice.get('/clients/?ordering=motdepasse');
    expect(badOrder.statusCode).toBe(400);
    expect(badOrder.json().fieldErrors.ordering).toBeDefined();
    expect((await alice.get('/clients/?responsable=abc')).statusCode).toBe(400);
    const past = await alice.get('/clients/?page=999');
    expect(past.statusCode).toBe(200);
    expect(past.json()).toMatchObject({ page: 999, pageSize: 25, results: [] });
    const p1 = (await alice.get('/clients/?pageSize=2&ordering=nom')).json();
    const p2 = (await alice.get('/clients/?pageSize=2&page=2&ordering=nom')).json();
    expect(p1.results).toHaveLength(2);
    expect(p1.count).toBe(p2.count);
    expect(p1.results[1].nom < p2.results[0].nom).toBe(true);
  });

  it('runs the same small number of SQL statements for 2 or 100 rows (no N+1)', async () => {
    for (let i = 0; i < 30; i++)
      await t.sql(`insert into clients (nom, responsable_id) values (?, ?)`, [`Bulk ${i}`, aliceId]);
    const small = await t.countSql(() => admin.get('/clients/?pageSize=2'));
    const big = await t.countSql(() => admin.get('/clients/?pageSize=100'));
    expect(big.result.json().results.length).toBeGreaterThan(30);
    expect(big.statements.length).toBe(small.statements.length);
    // session check + count + page
    expect(big.statements.length).toBeLessThanOrEqual(3);
  });
});
