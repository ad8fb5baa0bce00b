import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let manager: RestClient;
let alice: RestClient; // commercial
let bob: RestClient; // commercial
let aliceId: number;
let clientA: number; // alice's
let clientA2: number; // alice's too
let clientB: number; // bob's

const dayOffset = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  await t.user('bob', 'commercial');
  [admin, manager, alice, bob] = await Promise.all([t.as('admin'), t.as('manager'), t.as('alice'), t.as('bob')]);
  clientA = (await alice.post('/clients/', { nom: 'Menuiserie Roux' })).json().id;
  clientA2 = (await alice.post('/clients/', { nom: 'Pharmacie du Centre' })).json().id;
  clientB = (await bob.post('/clients/', { nom: 'Hôtel Bellevue' })).json().id;
});
afterAll(async () => t?.close());

const create = (c: RestClient, body: Record<string, unknown>) => c.post('/projets/', { client: clientA, ...body });

describe('projets CRUD and computed fields', () => {
  it('creates (201) with defaults, duree in days, exact budget', async () => {
    const res = await create(alice, {
      titre: 'Agencement atelier',
      description: 'Plans',
      dateDebut: '2027-01-10',
      dateFin: '2027-03-01',
      budget: 12500.3,
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      titre: 'Agencement atelier',
      statut: 'a_faire',
      client: clientA,
      clientNom: 'Menuiserie Roux',
      duree: 50,
      enRetard: false,
      budget: 12500.3,
      devisAssocie: null,
      dateDebut: '2027-01-10',
      dateFin: '2027-03-01',
    });
    const [row] = await t.sql(`select budget::text as b from projets where id = ?`, [res.json().id]);
    expect(row.b).toBe('12500.30');
    const noDates = (await create(alice, { titre: 'Sans dates' })).json();
    expect(noDates).toMatchObject({ duree: null, enRetard: false, budget: null });
    expect((await create(alice, { titre: 'Début seul', dateDebut: '2027-01-01' })).json().duree).toBeNull();
  });

  it('enRetard: dateFin passed and statut not termine', async () => {
    expect((await create(alice, { titre: 'Retard', statut: 'en_cours', dateFin: dayOffset(-1) })).json().enRetard).toBe(
      true,
    );
    expect((await create(alice, { titre: 'Fini', statut: 'termine', dateFin: dayOffset(-1) })).json().enRetard).toBe(
      false,
    );
    expect((await create(alice, { titre: 'Aujourd’hui', dateFin: dayOffset(0) })).json().enRetard).toBe(false);
  });

  it('validates: required fields, dateFin after dateDebut, budget, statut', async () => {
    const empty = await alice.post('/projets/', {});
    expect(empty.statusCode).toBe(400);
    expect(Object.keys(empty.json().fieldErrors).sort()).toEqual(['client', 'titre']);
    const order = await create(alice, { titre: 'x', dateDebut: '2027-02-01', dateFin: '2027-01-31' });
    expect(order.statusCode).toBe(400);
    expect(order.json().fieldErrors).toEqual({ dateFin: ['La date de fin doit être postérieure à la date de début.'] });
    expect(
      (await create(alice, { titre: 'x', dateDebut: '2027-02-01', dateFin: '2027-02-01' })).json().fieldErrors.dateFin,
    ).toBeDefined();
    expect((await create(alice, { titre: 'x', dateDebut: '2027-02-30' })).json().fieldErrors.dateDebut).toBeDefined();
    expect((await create(alice, { titre: 'x', budget: -5 })).json().fieldErrors.budget).toBeDefined();
    expect((await create(alice, { titre: 'x', budget: 0.001 })).json().fieldErrors.budget).toBeDefined();
    expect((await create(alice, { titre: 'x', statut: 'fini' })).json().fieldErrors.statut).toBeDefined();
  });

  it('PATCH checks dateFin against the stored dateDebut (and vice versa); PUT replaces', async () => {
    const p = (
      await create(alice, { titre: 'Dates', dateDebut: '2027-01-01', dateFin: '2027-01-31', budget: 10 })
    ).json();
    const early = await alice.patch(`/projets/${p.id}/`, { dateFin: '2026-12-31' });
    expect(early.statusCode).toBe(400);
    expect(early.json().fieldErrors.dateFin).toBeDefined();
    const late = await alice.patch(`/projets/${p.id}/`, { dateDebut: '2027-02-15' });
    expect(late.statusCode).toBe(400);
    expect(late.json().fieldErrors.dateFin).toBeDefined();
    const ok = await alice.patch(`/projets/${p.id}/`, { dateDebut: '2027-01-21', statut: 'en_cours' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ duree: 10, statut: 'en_cours', budget: 10, titre: 'Dates' });
    const put = await alice.put(`/projets/${p.id}/`, { titre: 'Remplacé', client: clientA });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({
      titre: 'Remplacé',
      statut: 'a_faire',
      dateDebut: null,
      dateFin: null,
      budget: null,
      duree: null,
    });
    expect((await alice.put(`/projets/${p.id}/`, { titre: 'sans client' })).statusCode).toBe(400);
    expect((await alice.get('/projets/999999/')).statusCode).toBe(404);
  });
});

describe('devisAssocie and client changes', () => {
  let devisA: number; // devis of an opportunity of clientA
  let devisA2: number; // devis of an opportunity of clientA2
  let devisB: number; // bob's
  beforeAll(async () => {
    const oA = (await alice.post('/opportunites/', { nom: 'Opp A', client: clientA })).json().id;
    const oA2 = (await alice.post('/opportunites/', { nom: 'Opp A2', client: clientA2 })).json().id;
    const oB = (await bob.post('/opportunites/', { nom: 'Opp B', client: clientB })).json().id;
    devisA = (await alice.post('/devis/', { opportunite: oA, montant: 100 })).json().id;
    devisA2 = (await alice.post('/devis/', { opportunite: oA2, montant: 100 })).json().id;
    devisB = (await bob.post('/devis/', { opportunite: oB, montant: 100 })).json().id;
  });

  it('accepts a devis of an opportunity of the same client only', async () => {
    const ok = await create(alice, { titre: 'Avec devis', devisAssocie: devisA });
    expect(ok.statusCode).toBe(201);
    expect(ok.json().devisAssocie).toBe(devisA);
    const other = await create(alice, { titre: 'x', devisAssocie: devisA2 });
    expect(other.statusCode).toBe(400);
    expect(other.json().fieldErrors).toEqual({
      devisAssocie: ["Ce devis n'appartient pas à une opportunité de ce client."],
    });
    expect((await create(alice, { titre: 'x', devisAssocie: 999999 })).json().fieldErrors).toEqual({
      devisAssocie: ["L'objet référencé n'existe pas."],
    });
    // bob's devis: invisible to alice, so "does not exist" rather than "other client"
    expect((await create(alice, { titre: 'x', devisAssocie: devisB })).json().fieldErrors.devisAssocie).toEqual([
      "L'objet référencé n'existe pas.",
    ]);
    expect((await alice.patch(`/projets/${ok.json().id}/`, { devisAssocie: devisA2 })).statusCode).toBe(400);
    // moving the projet to another client while keeping the devis breaks the rule too
    const move = await alice.patch(`/projets/${ok.json().id}/`, { client: clientA2 });
    expect(move.statusCode).toBe(400);
    expect(move.json().fieldErrors.devisAssocie).toBeDefined();
    const both = await alice.patch(`/projets/${ok.json().id}/`, { client: clientA2, devisAssocie: devisA2 });
    expect(both.statusCode).toBe(200);
    expect(both.json()).toMatchObject({ client: clientA2, devisAssocie: devisA2 });
  });

  it('a projet moved to another client takes its taches along (one transaction)', async () => {
    const p = (await create(alice, { titre: 'Déménage' })).json();
    const tache = (
      await alice.post('/taches/', { titre: 'Métré', projet: p.id, priorite: 'haute', dateEcheance: dayOffset(5) })
    ).json();
    expect(tache.client).toBe(clientA);
    expect((await alice.patch(`/projets/${p.id}/`, { client: clientA2 })).statusCode).toBe(200);
    expect((await alice.get(`/taches/${tache.id}/`)).json().client).toBe(clientA2);
    expect((await alice.patch(`/projets/${p.id}/`, { client: clientB })).json().fieldErrors.client).toBeDefined();
  });
});

describe('visibility and permissions', () => {
  it("hides other commercials' projets: absent from lists, 404 on detail, PUT, PATCH", async () => {
    const b = (await bob.post('/projets/', { titre: 'Projet de Bob', client: clientB })).json();
    const list = (await alice.get('/projets/?pageSize=100')).json();
    expect(list.results.map((p: any) => p.id)).not.toContain(b.id);
    expect(list.results.every((p: any) => [clientA, clientA2].includes(p.client))).toBe(true);
    expect((await alice.get(`/projets/${b.id}/`)).statusCode).toBe(404);
    expect((await alice.patch(`/projets/${b.id}/`, { titre: 'volé' })).statusCode).toBe(404);
    expect((await alice.put(`/projets/${b.id}/`, { titre: 'volé', client: clientA })).statusCode).toBe(404);
    expect((await alice.get(`/projets/${b.id}/taches/`)).statusCode).toBe(404);
    expect((await alice.get(`/clients/${clientB}/projets/`)).statusCode).toBe(404);
    expect((await create(alice, { titre: 'x', client: clientB })).json().fieldErrors).toEqual({
      client: ["L'objet référencé n'existe pas."],
    });
    expect((await manager.get(`/projets/${b.id}/`)).statusCode).toBe(200);
  });

  it('DELETE: 401 anonymous, 403 commercial, 409 with taches, 204 for a manager', async () => {
    const p = (await create(alice, { titre: 'À supprimer' })).json();
    expect((await t.anonymous().delete(`/projets/${p.id}/`)).statusCode).toBe(401);
    expect((await alice.delete(`/projets/${p.id}/`)).statusCode).toBe(403);
    const tache = (
      await alice.post('/taches/', { titre: 'Bloque', projet: p.id, priorite: 'basse', dateEcheance: dayOffset(1) })
    ).json();
    const blocked = await manager.delete(`/projets/${p.id}/`);
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json().message).toBe('Ce projet a encore des tâches.');
    await manager.delete(`/taches/${tache.id}/`);
    expect((await manager.delete(`/projets/${p.id}/`)).statusCode).toBe(204);
    expect((await admin.get(`/projets/${p.id}/`)).statusCode).toBe(404);
    expect((await manager.delete(`/projets/${p.id}/`)).statusCode).toBe(404);
  });

  it('requires authentication', async () => {
    expect((await t.anonymous().get('/projets/')).statusCode).toBe(401);
    expect((await t.anonymous().post('/projets/', { titre: 'x', client: clientA })).statusCode).toBe(401);
    expect((await t.anonymous().get(`/clients/${clientA}/projets/`)).statusCode).toBe(401);
  });
});

describe('projets list: filters, search, ordering, sub-lists, SQL count', () => {
  let c: number;
  beforeAll(async () => {
    c = (await manager.post('/clients/', { nom: 'Filtres', responsable: aliceId })).json().id;
    await manager.post('/projets/', {
      titre: 'Élagage',
      client: c,
      statut: 'en_cours',
      dateFin: dayOffset(-3),
      budget: 300,
    });
    await manager.post('/projets/', {
      titre: 'Clôture',
      client: c,
      statut: 'termine',
      dateFin: dayOffset(-3),
      budget: 1200,
      description: 'Grillage rigide',
    });
    await manager.post('/projets/', {
      titre: 'Bassin',
      client: c,
      dateDebut: dayOffset(-10),
      dateFin: dayOffset(20),
      budget: 50,
    });
  });
  const titres = async (q: string, who: RestClient = alice) =>
    (await who.get(`/projets/?client=${c}&${q}`)).json().results.map((p: any) => p.titre);

  it('filters by statut, client, enRetard; searches titre and description without accents', async () => {
    expect(await titres('statut=termine')).toEqual(['Clôture']);
    expect(await titres('enRetard=true')).toEqual(['Élagage']);
    expect(await titres('enRetard=false&ordering=titre')).toEqual(['Bassin', 'Clôture']);
    expect(await titres('search=ELAGAGE')).toEqual(['Élagage']);
    expect(await titres('search=grillage')).toEqual(['Clôture']);
    expect(await titres('search=cloture')).toEqual(['Clôture']);
  });

  it('orders by titre, budget, dateFin both ways; rejects unknown fields and bad values', async () => {
    expect(await titres('ordering=titre')).toEqual(['Bassin', 'Clôture', 'Élagage']);
    expect(await titres('ordering=-budget')).toEqual(['Clôture', 'Élagage', 'Bassin']);
    expect(await titres('ordering=-dateFin')).toEqual(['Bassin', 'Clôture', 'Élagage']); // same dateFin: newest id first
    expect((await alice.get('/projets/?ordering=client')).json().fieldErrors.ordering).toBeDefined();
    expect((await alice.get('/projets/?enRetard=oui')).json().fieldErrors.enRetard).toBeDefined();
    expect((await alice.get('/projets/?statut=fini')).statusCode).toBe(400);
    expect((await alice.get('/projets/?client=abc')).statusCode).toBe(400);
    expect((await alice.get('/projets/?page=99')).json().results).toEqual([]);
  });

  it('GET /clients/{id}/projets/ and /projets/{id}/taches/: paginated, same filters', async () => {
    const sub = await alice.get(`/clients/${c}/projets/?pageSize=2&ordering=titre`);
    expect(sub.statusCode).toBe(200);
    expect(sub.json()).toMatchObject({ count: 3, page: 1, pageSize: 2 });
    expect(sub.json().results.map((p: any) => p.titre)).toEqual(['Bassin', 'Clôture']);
    expect((await alice.get(`/clients/${c}/projets/?statut=en_cours`)).json().results.map((p: any) => p.titre)).toEqual(
      ['Élagage'],
    );
    const p = (await create(alice, { titre: 'Avec tâches' })).json();
    for (const [titre, priorite] of [
      ['Devis fournisseur', 'haute'],
      ['Commande', 'basse'],
    ]) {
      await alice.post('/taches/', { titre, projet: p.id, priorite, dateEcheance: dayOffset(2) });
    }
    await alice.post('/taches/', { titre: 'Ailleurs', client: clientA, priorite: 'haute', dateEcheance: dayOffset(2) });
    const taches = await alice.get(`/projets/${p.id}/taches/?ordering=-priorite`);
    expect(taches.statusCode).toBe(200);
    expect(taches.json().results.map((x: any) => x.titre)).toEqual(['Devis fournisseur', 'Commande']);
    expect((await alice.get(`/projets/${p.id}/taches/?priorite=basse`)).json().count).toBe(1);
    expect((await alice.get('/projets/999999/taches/')).statusCode).toBe(404);
  });

  it('runs the same small number of SQL statements for 2 or 100 rows (lists and sub-lists)', async () => {
    for (let i = 0; i < 30; i++) await t.sql(`insert into projets (titre, client_id) values (?, ?)`, [`Lot ${i}`, c]);
    const small = await t.countSql(() => admin.get('/projets/?pageSize=2'));
    const big = await t.countSql(() => admin.get('/projets/?pageSize=100'));
    expect(big.result.json().results.length).toBeGreaterThan(30);
    expect(big.statements.length).toBe(small.statements.length);
    expect(big.statements.length).toBeLessThanOrEqual(3); // session check + count + page
    const subSmall = await t.countSql(() => alice.get(`/clients/${c}/projets/?pageSize=2`));
    const subBig = await t.countSql(() => alice.get(`/clients/${c}/projets/?pageSize=100`));
    expect(subBig.result.json().results.length).toBeGreaterThan(30);
    expect(subBig.statements.length).toBe(subSmall.statements.length);
    expect(subBig.statements.length).toBeLessThanOrEqual(3); // parent check folded into the count
    const p = (await create(alice, { titre: 'Beaucoup de tâches', client: c })).json().id;
    for (let i = 0; i < 30; i++) {
      await t.sql(
        `insert into taches (titre, client_id, projet_id, priorite, date_echeance, position) values (?, ?, ?, 'basse', ?, ?)`,
        [
          `T${i}`,
          c,
          p,
          dayOffset(i),
          1_000_000 + i, // keys far from those the API gives (sparse, 1024 apart)
        ],
      );
    }
    const tSmall = await t.countSql(() => alice.get(`/projets/${p}/taches/?pageSize=2`));
    const tBig = await t.countSql(() => alice.get(`/projets/${p}/taches/?pageSize=100`));
    expect(tBig.result.json().results).toHaveLength(30);
    expect(tBig.statements.length).toBe(tSmall.statements.length);
    expect(tBig.statements.length).toBeLessThanOrEqual(3);
  });
});

describe('OpenAPI', () => {
  it('documents the domain paths with their trailing slash', async () => {
    const doc = (await t.anonymous().get('/openapi.json')).json();
    for (const path of [
      '/projets/',
      '/projets/{id}/',
      '/projets/{id}/taches/',
      '/clients/{id}/projets/',
      '/clients/{id}/opportunites/',
      '/clients/{id}/taches/',
      '/opportunites/',
      '/opportunites/{id}/',
      '/opportunites/{id}/avancer-etape/',
      '/opportunites/{id}/devis/',
      '/taches/',
      '/taches/{id}/',
      '/taches/{id}/complete/',
      '/devis/',
      '/devis/{id}/',
      '/devis/{id}/nouvelle-version/',
    ]) {
      expect(
        Object.keys(doc.paths).some((p) => p.endsWith(path)),
        path,
      ).toBe(true);
    }
  });
});
