import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

/** `GET /api/<list>export/?format=csv|xlsx`: what the list shows, every page, streamed. */
let t: TestApp;
let admin: RestClient;
let alice: RestClient;
let aliceId: number;
let bobClient: number;
let aliceClient: number;

const csvLines = (body: Buffer) =>
  body
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .filter(Boolean);

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  aliceId = await t.user('alice', 'commercial');
  const bobId = await t.user('bob', 'commercial');
  [admin, alice] = await Promise.all([t.as('admin'), t.as('alice')]);
  aliceClient = (
    await alice.post('/clients/', { nom: 'Écurie Alice', societe: 'Alice SARL', email: 'a@alice.fr', categorie: 'VIP' })
  ).json().id;
  await alice.post('/clients/', {
    nom: '=HYPERLINK("http://x";"clic")',
    societe: '+33 Société; "citée"',
    categorie: 'VIP',
  });
  bobClient = (await admin.post('/clients/', { nom: 'Bob Client', responsable: bobId, categorie: 'PME' })).json().id;
  // 2,500 more rows: several cursor batches.
  await t.sql(
    `insert into clients (nom, societe, responsable_id, categorie, date_creation)
    select 'Masse ' || g, 'Lot', ?, 'Lot', now() - (g || ' seconds')::interval from generate_series(1, 2500) g`,
    [aliceId],
  );
  await alice.post('/projets/', { titre: 'Projet export', client: aliceClient, budget: 1234.5, statut: 'en_cours' });
  await alice.post('/taches/', {
    titre: 'Appeler',
    client: aliceClient,
    priorite: 'urgente',
    dateEcheance: '2027-02-01',
  });
});
afterAll(async () => t?.close());

describe('list exports', () => {
  it('CSV: BOM, `;`, French headers, same filters/search/ordering as the list, every page, formulas neutralised', async () => {
    const res = await alice.get('/clients/export/?format=csv&categorie=VIP&ordering=nom&pageSize=1&page=3');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="clients-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect([...res.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csvLines(res.rawPayload);
    expect(lines[0]).toBe('N°;Nom;Société;E-mail;Téléphone;Catégorie;Responsable;Notes;Créé le;Modifié le');
    const list = (await alice.get('/clients/?categorie=VIP&ordering=nom&pageSize=100')).json();
    expect(lines.slice(1).map((l) => Number(l.split(';')[0]))).toEqual(list.results.map((c: any) => c.id));
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://x"";""clic"")";"'+33 Société; ""citée"""`);
    expect(lines[2]).toMatch(
      /^\d+;Écurie Alice;Alice SARL;a@alice\.fr;;VIP;alice Test;;\d{4}-\d{2}-\d{2} \d{2}:\d{2};/,
    );
  });

  it('all matching rows across cursor batches, newest first like the list; search narrows', async () => {
    const all = csvLines((await alice.get('/clients/export/?format=csv')).rawPayload);
    expect(all).toHaveLength(1 + 2502);
    const first = (await alice.get('/clients/?pageSize=3')).json().results.map((c: any) => c.id);
    expect(all.slice(1, 4).map((l) => Number(l.split(';')[0]))).toEqual(first);
    const found = csvLines((await alice.get('/clients/export/?format=csv&search=MASSE%20249')).rawPayload);
    expect(
      found
        .slice(1)
        .map((l) => l.split(';')[1])
        .sort(),
    ).toEqual([
      'Masse 249',
      'Masse 2490',
      'Masse 2491',
      'Masse 2492',
      'Masse 2493',
      'Masse 2494',
      'Masse 2495',
      'Masse 2496',
      'Masse 2497',
      'Masse 2498',
      'Masse 2499',
    ]);
  });

  it('XLSX: a real workbook with typed cells (money as numbers, labels instead of codes)', async () => {
    const res = await alice.get('/projets/export/?format=xlsx');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as any);
    const ws = wb.worksheets[0];
    expect(ws.name).toBe('Projets');
    expect(ws.getRow(1).values).toEqual([
      undefined,
      'N°',
      'Titre',
      'Client',
      'Statut',
      'Début',
      'Fin',
      'Durée (jours)',
      'Budget',
      'En retard',
      'Description',
      'Créé le',
    ]);
    const row = ws.getRow(2).values as unknown[];
    expect(row.slice(2, 5)).toEqual(['Projet export', 'Écurie Alice', 'En cours']);
    expect(row[8]).toBe(1234.5);
    expect(ws.rowCount).toBe(2);
  });

  it('every list and sub-list exports; a commercial only gets what they see', async () => {
    for (const path of [
      '/opportunites/',
      '/taches/',
      '/devis/',
      '/users/',
      `/clients/${aliceClient}/taches/`,
      `/clients/${aliceClient}/projets/`,
    ]) {
      const res = await alice.get(`${path}export/?format=csv`);
      expect(res.statusCode, path).toBe(200);
    }
    const taches = csvLines((await alice.get(`/clients/${aliceClient}/taches/export/?format=csv`)).rawPayload);
    expect(taches[1]).toContain(';Appeler;Écurie Alice;;alice Test;Urgente;À faire;2027-02-01;non;');
    const mine = csvLines((await alice.get('/clients/export/?format=csv&categorie=PME')).rawPayload);
    expect(mine).toHaveLength(1);
    expect(csvLines((await admin.get('/clients/export/?format=csv&categorie=PME')).rawPayload)).toHaveLength(2);
    expect((await alice.get(`/clients/${bobClient}/projets/export/?format=csv`)).statusCode).toBe(404);
    expect((await alice.get(`/clients/${bobClient}/taches/export/?format=xlsx`)).statusCode).toBe(404);
  });

  it('bad requests: 400 in the contract shape, 401 without credentials', async () => {
    const noFormat = await alice.get('/clients/export/');
    expect(noFormat.statusCode).toBe(400);
    expect(Object.keys(noFormat.json().fieldErrors)).toEqual(['format']);
    expect((await alice.get('/clients/export/?format=pdf')).statusCode).toBe(400);
    const badFilter = await alice.get('/taches/export/?format=csv&priorite=extreme');
    expect(badFilter.statusCode).toBe(400);
    expect(Object.keys(badFilter.json().fieldErrors)).toEqual(['priorite']);
    expect((await alice.get('/clients/export/?format=csv&ordering=telephone')).statusCode).toBe(400);
    expect((await alice.get('/clients/abc/projets/export/?format=csv')).statusCode).toBe(400);
    expect((await t.anonymous().get('/clients/export/?format=csv')).statusCode).toBe(401);
  });

  it("API keys: an export needs read access to the rows' family", async () => {
    const res = await admin.post('/cles-api/', { nom: 'Export', scopes: ['taches:lecture'], user: aliceId });
    expect(res.statusCode, res.body).toBe(201);
    const bearer = { authorization: `Bearer ${res.json().secret}` };
    expect((await t.anonymous().get('/taches/export/?format=csv', bearer)).statusCode).toBe(200);
    expect((await t.anonymous().get(`/clients/${aliceClient}/taches/export/?format=csv`, bearer)).statusCode).toBe(200);
    const denied = await t.anonymous().get('/clients/export/?format=csv', bearer);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().code).toBe('FORBIDDEN');
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await admin.get('/openapi.json')).json();
    expect(doc.paths['/clients/export/'].get.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['format', 'search', 'ordering', 'categorie']),
    );
    expect(doc.paths['/opportunites/{id}/devis/export/'].get.responses['404']).toBeDefined();
  });
});
