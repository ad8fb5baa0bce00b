import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let manager: RestClient;
let alice: RestClient; // commercial
let bob: RestClient; // commercial
let clientA: number;
let oppA: number; // alice's opportunity
let oppB: number; // bob's opportunity

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  await t.user('alice', 'commercial');
  await t.user('bob', 'commercial');
  [admin, manager, alice, bob] = await Promise.all([t.as('admin'), t.as('manager'), t.as('alice'), t.as('bob')]);
  clientA = (await alice.post('/clients/', { nom: 'Librairie Martin' })).json().id;
  const clientB = (await bob.post('/clients/', { nom: 'Fromagerie Blanc' })).json().id;
  oppA = (await alice.post('/opportunites/', { nom: 'Rayonnages', client: clientA })).json().id;
  oppB = (await bob.post('/opportunites/', { nom: 'Chambre froide', client: clientB })).json().id;
});
afterAll(async () => t?.close());

const newOpp = async (nom: string) =>
  (await alice.post('/opportunites/', { nom, client: clientA })).json().id as number;

describe('devis amounts (exact cents)', () => {
  it('without lines: montant as given, TVA at the default 20 %', async () => {
    const res = await alice.post('/devis/', { opportunite: oppA, montant: 100, contenu: 'Pose comprise' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      opportunite: oppA,
      opportuniteNom: 'Rayonnages',
      client: clientA,
      clientNom: 'Librairie Martin',
      montant: 100,
      montantTva: 20,
      montantTtc: 120,
      statut: 'brouillon',
      version: 1,
      contenu: 'Pose comprise',
      lignes: null,
      dateEnvoi: null,
    });
    const small = (await alice.post('/devis/', { opportunite: oppA, montant: 0.1 })).json();
    expect(small).toMatchObject({ montant: 0.1, montantTva: 0.02, montantTtc: 0.12, version: 2 });
  });

  it('with lines: montant = Σ quantite × prixUnitaire (3 × 0.10 = 0.30), TVA per line at its rate', async () => {
    const o = await newOpp('Lignes');
    const res = await alice.post('/devis/', {
      opportunite: o,
      montant: 999, // ignored: computed from the lines
      lignes: [{ designation: 'Vis', quantite: 3, prixUnitaire: 0.1, tauxTva: 20 }],
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ montant: 0.3, montantTva: 0.06, montantTtc: 0.36 });
    const two = (
      await alice.post('/devis/', {
        opportunite: o,
        lignes: [
          { designation: 'Vis', quantite: 3, prixUnitaire: 0.1, tauxTva: 20 },
          { designation: 'Livre', quantite: 1.5, prixUnitaire: 19.99, tauxTva: 5.5 },
        ],
      })
    ).json();
    // 0.30 + 29.99 (1.5 × 19.99 = 29.985 → 29.99); TVA 0.06 + 1.65
    expect(two).toMatchObject({ montant: 30.29, montantTva: 1.71, montantTtc: 32, version: 2 });
    expect(two.lignes).toHaveLength(2);
    const [row] = await t.sql(`select montant::text as m, montant_tva::text as tva from devis where id = ?`, [two.id]);
    expect(row).toEqual({ m: '30.29', tva: '1.71' });
  });

  it('validates: montant required without lines and > 0, lines checked, opportunite required', async () => {
    const none = await alice.post('/devis/', { opportunite: oppA });
    expect(none.statusCode).toBe(400);
    expect(none.json().fieldErrors.montant).toBeDefined();
    expect((await alice.post('/devis/', { opportunite: oppA, montant: 0 })).json().fieldErrors.montant).toBeDefined();
    expect(
      (await alice.post('/devis/', { opportunite: oppA, montant: 10.001 })).json().fieldErrors.montant,
    ).toBeDefined();
    const zero = await alice.post('/devis/', {
      opportunite: oppA,
      lignes: [{ designation: 'Offert', quantite: 1, prixUnitaire: 0, tauxTva: 20 }],
    });
    expect(zero.statusCode).toBe(400);
    expect(zero.json().fieldErrors.montant).toEqual(['Le montant doit être strictement positif.']);
    const badLine = await alice.post('/devis/', {
      opportunite: oppA,
      lignes: [{ designation: '', quantite: 0, prixUnitaire: 1, tauxTva: 120 }],
    });
    expect(badLine.statusCode).toBe(400);
    expect(Object.keys(badLine.json().fieldErrors).sort()).toEqual([
      'lignes.0.designation',
      'lignes.0.quantite',
      'lignes.0.tauxTva',
    ]);
    expect((await alice.post('/devis/', { montant: 10 })).json().fieldErrors.opportunite).toBeDefined();
    expect((await alice.post('/devis/', { opportunite: 999999, montant: 10 })).json().fieldErrors).toEqual({
      opportunite: ["L'objet référencé n'existe pas."],
    });
    expect(
      (await alice.post('/devis/', { opportunite: oppB, montant: 10 })).json().fieldErrors.opportunite,
    ).toBeDefined();
    expect(
      (await alice.post('/devis/', { opportunite: oppA, montant: 10, statut: 'signe' })).json().fieldErrors.statut,
    ).toBeDefined();
  });
});

describe('versions', () => {
  it('version is read-only: 1 for the first devis, then max + 1', async () => {
    const o = await newOpp('Versions');
    const v1 = (await alice.post('/devis/', { opportunite: o, montant: 50, version: 7 })).json();
    expect(v1.version).toBe(1);
    const v2 = (await alice.post('/devis/', { opportunite: o, montant: 60 })).json();
    expect(v2.version).toBe(2);
    expect((await alice.patch(`/devis/${v2.id}/`, { version: 9, contenu: 'x' })).json().version).toBe(2);
    await manager.delete(`/devis/${v1.id}/`);
    expect((await alice.post('/devis/', { opportunite: o, montant: 70 })).json().version).toBe(3);
  });

  it('concurrent creates on one opportunity get distinct consecutive versions', async () => {
    const o = await newOpp('Concurrence');
    const res = await Promise.all(
      Array.from({ length: 10 }, (_, i) => alice.post('/devis/', { opportunite: o, montant: 10 + i })),
    );
    expect(res.map((r) => r.statusCode)).toEqual(res.map(() => 201));
    expect(res.map((r) => r.json().version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('POST /nouvelle-version/ → 201 a brouillon copying montant, contenu and lignes with the next version', async () => {
    const o = await newOpp('Nouvelle version');
    const lignes = [{ designation: 'Étagère chêne', quantite: 2, prixUnitaire: 149.9, tauxTva: 20 }];
    const v1 = (await alice.post('/devis/', { opportunite: o, lignes, contenu: 'Première proposition' })).json();
    expect((await manager.patch(`/devis/${v1.id}/`, { statut: 'refuse' })).statusCode).toBe(200);
    const res = await alice.post(`/devis/${v1.id}/nouvelle-version/`);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      opportunite: o,
      version: 2,
      statut: 'brouillon',
      montant: 299.8,
      montantTva: 59.96,
      montantTtc: 359.76,
      contenu: 'Première proposition',
      lignes,
      numero: v1.numero,
    });
    expect(res.json().id).not.toBe(v1.id);
    const v3 = await alice.post(`/devis/${v1.id}/nouvelle-version/`, {});
    expect(v3.json().version).toBe(3);
    const byOpp = (await alice.get(`/opportunites/${o}/devis/?ordering=-version`)).json();
    expect(byOpp.results.map((d: any) => [d.version, d.statut])).toEqual([
      [3, 'brouillon'],
      [2, 'brouillon'],
      [1, 'refuse'],
    ]);
    expect((await alice.get(`/opportunites/${o}/`)).json().devisActif).toBe(v3.json().id);
  });
});

describe('updates and read-only states', () => {
  it('PATCH recomputes amounts from lines, or from montant without lines; PUT replaces', async () => {
    const d = (await alice.post('/devis/', { opportunite: oppA, montant: 10 })).json();
    const lines = await alice.patch(`/devis/${d.id}/`, {
      lignes: [{ designation: 'Heure', quantite: 7, prixUnitaire: 45, tauxTva: 10 }],
    });
    expect(lines.json()).toMatchObject({ montant: 315, montantTva: 31.5, montantTtc: 346.5 });
    expect((await alice.patch(`/devis/${d.id}/`, { montant: 1 })).json().montant).toBe(315); // the lines decide
    const noLines = await alice.patch(`/devis/${d.id}/`, { lignes: null, montant: 19.99 });
    expect(noLines.json()).toMatchObject({ montant: 19.99, montantTva: 4, montantTtc: 23.99, lignes: null });
    const put = await alice.put(`/devis/${d.id}/`, { opportunite: oppA, montant: 80, statut: 'envoye' });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ montant: 80, montantTva: 16, statut: 'envoye', contenu: '' });
    expect((await alice.put(`/devis/${d.id}/`, { opportunite: oppA })).json().fieldErrors.montant).toBeDefined();
  });

  it('a commercial may not create or set a devis accepte/refuse (400 on statut); a manager or admin may', async () => {
    for (const statut of ['accepte', 'refuse']) {
      const created = await alice.post('/devis/', { opportunite: oppA, montant: 10, statut });
      expect(created.statusCode).toBe(400);
      expect(created.json()).toMatchObject({
        code: 'BAD_REQUEST',
        fieldErrors: { statut: [expect.stringContaining('Seul le client')] },
      });
      const d = (await alice.post('/devis/', { opportunite: oppA, montant: 10, statut: 'envoye' })).json();
      const patched = await alice.patch(`/devis/${d.id}/`, { statut });
      expect(patched.statusCode).toBe(400);
      expect(patched.json().fieldErrors).toHaveProperty('statut');
      expect((await alice.put(`/devis/${d.id}/`, { opportunite: oppA, montant: 10, statut })).statusCode).toBe(400);
      expect((await alice.get(`/devis/${d.id}/`)).json().statut).toBe('envoye');
      expect((await manager.post('/devis/', { opportunite: oppA, montant: 10, statut })).statusCode).toBe(201);
      expect((await admin.patch(`/devis/${d.id}/`, { statut })).json().statut).toBe(statut);
    }
  });

  it('an accepte or refuse devis is read-only: PUT/PATCH → 409', async () => {
    for (const statut of ['accepte', 'refuse']) {
      const d = (await alice.post('/devis/', { opportunite: oppA, montant: 10 })).json();
      expect((await manager.patch(`/devis/${d.id}/`, { statut })).statusCode).toBe(200);
      const patch = await alice.patch(`/devis/${d.id}/`, { contenu: 'modifié' });
      expect(patch.statusCode).toBe(409);
      expect(patch.json()).toMatchObject({
        code: 'CONFLICT',
        message: 'Un devis accepté ou refusé ne peut plus être modifié.',
      });
      expect((await alice.put(`/devis/${d.id}/`, { opportunite: oppA, montant: 5 })).statusCode).toBe(409);
      expect((await alice.patch(`/devis/${d.id}/`, { statut: 'brouillon' })).statusCode).toBe(409);
    }
  });
});

describe('visibility, permissions, list', () => {
  it("hides other commercials' devis: absent from lists, 404 on detail, update, nouvelle-version; 403 delete", async () => {
    const b = (await bob.post('/devis/', { opportunite: oppB, montant: 500 })).json();
    const list = (await alice.get('/devis/?pageSize=100')).json();
    expect(list.results.map((d: any) => d.id)).not.toContain(b.id);
    expect(list.results.every((d: any) => d.client === clientA)).toBe(true);
    expect((await alice.get(`/devis/${b.id}/`)).statusCode).toBe(404);
    expect((await alice.patch(`/devis/${b.id}/`, { contenu: 'x' })).statusCode).toBe(404);
    expect((await alice.put(`/devis/${b.id}/`, { opportunite: oppA, montant: 1 })).statusCode).toBe(404);
    expect((await alice.post(`/devis/${b.id}/nouvelle-version/`)).statusCode).toBe(404);
    expect((await alice.delete(`/devis/${b.id}/`)).statusCode).toBe(403);
    expect((await alice.get(`/devis/?opportunite=${oppB}`)).json().count).toBe(0);
    expect((await manager.get(`/devis/${b.id}/`)).statusCode).toBe(200);
    // moving one's devis to an opportunity one may not see
    const mine = (await alice.post('/devis/', { opportunite: oppA, montant: 5 })).json();
    expect(
      (await alice.patch(`/devis/${mine.id}/`, { opportunite: oppB })).json().fieldErrors.opportunite,
    ).toBeDefined();
  });

  it('DELETE by a manager (204) unlinks the projet that pointed at it', async () => {
    const d = (await alice.post('/devis/', { opportunite: oppA, montant: 42 })).json();
    const p = (await alice.post('/projets/', { titre: 'Lié', client: clientA, devisAssocie: d.id })).json();
    expect((await t.anonymous().delete(`/devis/${d.id}/`)).statusCode).toBe(401);
    expect((await manager.delete(`/devis/${d.id}/`)).statusCode).toBe(204);
    expect((await manager.get(`/devis/${d.id}/`)).statusCode).toBe(404);
    expect((await alice.get(`/projets/${p.id}/`)).json().devisAssocie).toBeNull();
    expect((await manager.delete(`/devis/${d.id}/`)).statusCode).toBe(404);
  });

  it('filters by statut and opportunite, searches contenu, orders; 401 anonymous; 400 bad values', async () => {
    const o = await newOpp('Liste');
    await alice.post('/devis/', { opportunite: o, montant: 300, contenu: 'Étagères murales' });
    const d2 = (await alice.post('/devis/', { opportunite: o, montant: 100, contenu: 'Comptoir' })).json();
    await alice.post('/devis/', { opportunite: o, montant: 200, contenu: 'Présentoir' });
    await alice.patch(`/devis/${d2.id}/`, { statut: 'envoye' });
    const montants = async (q: string) =>
      (await alice.get(`/devis/?opportunite=${o}&${q}`)).json().results.map((d: any) => d.montant);
    expect(await montants('ordering=montant')).toEqual([100, 200, 300]);
    expect(await montants('ordering=-version')).toEqual([200, 100, 300]);
    expect(await montants('statut=envoye')).toEqual([100]);
    expect(await montants('search=ETAGERE')).toEqual([300]);
    expect(await montants('search=presentoir')).toEqual([200]);
    // the search has a trigram index wherever the other resources have theirs (pg_trgm installed)
    const idx = await t.sql(
      `select indexname from pg_indexes where indexname in ('devis_recherche_trgm', 'projets_recherche_trgm') order by 1`,
    );
    expect(idx.length === 0 || idx.length === 2).toBe(true);
    expect((await alice.get('/devis/?statut=signe')).statusCode).toBe(400);
    expect((await alice.get('/devis/?ordering=contenu')).statusCode).toBe(400);
    expect((await alice.get('/devis/?opportunite=x')).statusCode).toBe(400);
    expect((await t.anonymous().get('/devis/')).statusCode).toBe(401);
    expect((await t.anonymous().post('/devis/', { opportunite: o, montant: 1 })).statusCode).toBe(401);
  });

  it('runs the same small number of SQL statements for 2 or 100 rows (list and /opportunites/{id}/devis/)', async () => {
    const o = await newOpp('Volume');
    for (let i = 0; i < 30; i++) {
      await t.sql(`insert into devis (opportunite_id, montant, version, lignes) values (?, ?, ?, ?::jsonb)`, [
        o,
        10 + i,
        i + 1,
        JSON.stringify([{ designation: 'x', quantite: 1, prixUnitaire: 10 + i, tauxTva: 20 }]),
      ]);
    }
    const small = await t.countSql(() => admin.get('/devis/?pageSize=2'));
    const big = await t.countSql(() => admin.get('/devis/?pageSize=100'));
    expect(big.result.json().results.length).toBeGreaterThan(30);
    expect(big.statements.length).toBe(small.statements.length);
    expect(big.statements.length).toBeLessThanOrEqual(3); // session check + count + page
    const sub = await t.countSql(() => alice.get(`/opportunites/${o}/devis/?pageSize=100`));
    expect(sub.result.json().count).toBe(30);
    expect(sub.statements.length).toBeLessThanOrEqual(3);
  });
});
