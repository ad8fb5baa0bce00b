import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';
import { seedDashboardData } from './dashboard-fixtures.js';

/** Exact numbers per role on the known data of dashboard-fixtures.ts. */
let t: TestApp;
let admin: RestClient;
let manager: RestClient;
let alice: RestClient;
let bob: RestClient;
let aliceId: number;
let bobId: number;
let ids: Record<string, number> = {};

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  ids = await seedDashboardData(t, { aliceId, bobId });
  [admin, manager, alice, bob] = await Promise.all([t.as('admin'), t.as('manager'), t.as('alice'), t.as('bob')]);
});
afterAll(async () => t?.close());

describe('dashboard/stats', () => {
  it('counts everything for an admin and a manager', async () => {
    const res = await admin.get('/dashboard/stats/');
    expect(res.statusCode).toBe(200);
    const expected = {
      totalClients: 4,
      totalProjets: 3,
      projetsParStatut: { a_faire: 1, en_cours: 1, termine: 1 },
      totalOpportunites: 8,
      opportunitesOuvertes: 3,
      montantPipeline: 6333.83,
      // 300.15 + 1100.00 + round(1099.9989) = 2500.15
      montantPondere: 2500.15,
      totalTaches: 5,
      tachesEnRetard: 1,
      devisEnAttente: 2,
    };
    expect(res.json()).toEqual(expected);
    expect((await manager.get('/dashboard/stats/')).json()).toEqual(expected);
  });

  it('counts only what a commercial may see', async () => {
    expect((await alice.get('/dashboard/stats/')).json()).toEqual({
      totalClients: 2,
      totalProjets: 2,
      projetsParStatut: { a_faire: 1, en_cours: 1, termine: 0 },
      totalOpportunites: 4,
      opportunitesOuvertes: 2,
      montantPipeline: 3000.5,
      montantPondere: 1400.15,
      totalTaches: 3, // t1 (hers), t2 (assigned to her on bob's client), t3 (bob's, on her client)
      tachesEnRetard: 1,
      devisEnAttente: 1,
    });
    expect((await bob.get('/dashboard/stats/')).json()).toEqual({
      totalClients: 1,
      totalProjets: 1,
      projetsParStatut: { a_faire: 0, en_cours: 0, termine: 1 },
      totalOpportunites: 4,
      opportunitesOuvertes: 1,
      montantPipeline: 3333.33,
      montantPondere: 1100,
      totalTaches: 3,
      tachesEnRetard: 1,
      devisEnAttente: 1,
    });
  });
});

describe('dashboard lists', () => {
  it('projets-recents and clients-recents: newest first, scoped, ?limit=', async () => {
    const projets = (await admin.get('/dashboard/projets-recents/')).json();
    expect(projets.map((p: any) => p.titre)).toEqual(['Audit', 'Refonte', 'Site vitrine']);
    expect(projets[1]).toMatchObject({
      client: ids.A1,
      clientNom: 'Atelier Dupré',
      statut: 'en_cours',
      enRetard: true,
      duree: expect.any(Number),
    });
    expect(projets[2]).toMatchObject({ budget: 1500, enRetard: false, duree: null });
    expect((await alice.get('/dashboard/projets-recents/')).json().map((p: any) => p.titre)).toEqual([
      'Refonte',
      'Site vitrine',
    ]);
    expect((await admin.get('/dashboard/projets-recents/?limit=1')).json()).toHaveLength(1);

    expect((await admin.get('/dashboard/clients-recents/')).json().map((c: any) => c.id)).toEqual([
      ids.Z1,
      ids.B1,
      ids.A2,
      ids.A1,
    ]);
    expect((await alice.get('/dashboard/clients-recents/?limit=1')).json().map((c: any) => c.nom)).toEqual([
      'Boulangerie Émile',
    ]);
  });

  it('opportunites-actives: open ones, soonest estimated close first, undated last, devisActif', async () => {
    const list = (await admin.get('/dashboard/opportunites-actives/')).json();
    expect(list.map((o: any) => o.nom)).toEqual(['oA2', 'oA1', 'oB1']);
    expect(list[1]).toMatchObject({
      montant: 1000.5,
      probabilite: 30,
      valeurPonderee: 300.15,
      devisActif: ids.d2,
      responsable: aliceId,
      responsableNom: 'alice Test',
    });
    expect((await bob.get('/dashboard/opportunites-actives/')).json().map((o: any) => o.nom)).toEqual(['oB1']);
  });

  it('taches-a-venir: not terminee, due today or later, soonest first; ?mine=true', async () => {
    expect((await admin.get('/dashboard/taches-a-venir/')).json().map((x: any) => x.titre)).toEqual(['t3', 't1', 't5']);
    expect((await alice.get('/dashboard/taches-a-venir/')).json().map((x: any) => x.titre)).toEqual(['t3', 't1']);
    expect((await alice.get('/dashboard/taches-a-venir/?mine=true')).json().map((x: any) => x.titre)).toEqual(['t1']);
    expect((await bob.get('/dashboard/taches-a-venir/?mine=true')).json().map((x: any) => x.titre)).toEqual(['t3']);
    expect((await admin.get('/dashboard/taches-a-venir/?mine=true')).json()).toEqual([]);
    const t1 = (await alice.get('/dashboard/taches-a-venir/?mine=true')).json()[0];
    expect(t1).toMatchObject({
      assigneA: aliceId,
      client: ids.A1,
      clientNom: 'Atelier Dupré',
      statut: 'a_faire',
      enRetard: false,
    });
  });

  it('?limit= is 1..50: above, zero or not a number → 400 naming limit', async () => {
    for (const q of ['limit=51', 'limit=0', 'limit=abc', 'limit=2.5']) {
      const res = await admin.get(`/dashboard/projets-recents/?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(res.json().code).toBe('BAD_REQUEST');
      expect(res.json().fieldErrors.limit).toEqual(['limit doit être un entier entre 1 et 50.']);
    }
    expect((await admin.get('/dashboard/taches-a-venir/?mine=oui')).statusCode).toBe(400);
    expect((await admin.get('/dashboard/clients-recents/?limit=50')).statusCode).toBe(200);
  });
});

describe('dashboard/performance', () => {
  const months = () => {
    const now = new Date();
    return Array.from({ length: 12 }, (_, i) => {
      const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11 + i, 1));
      return d.toISOString().slice(0, 7);
    });
  };

  it('admin: conversion, won amount, mean sales cycle, 12 months oldest first', async () => {
    const perf = (await admin.get('/dashboard/performance/')).json();
    const m = months();
    expect(perf).toMatchObject({
      tauxConversion: 0.6,
      nbGagnees: 3,
      nbPerdues: 2,
      montantGagne: 15400,
      cycleVenteMoyenJours: 20,
    });
    expect(perf.parMois.map((x: any) => x.mois)).toEqual(m);
    expect(perf.parMois[11]).toEqual({ mois: m[11], gagnees: 2, perdues: 0, montantGagne: 5400 });
    expect(perf.parMois[10]).toEqual({ mois: m[10], gagnees: 0, perdues: 1, montantGagne: 0 });
    expect(perf.parMois[9]).toEqual({ mois: m[9], gagnees: 1, perdues: 0, montantGagne: 10000 });
    expect(perf.parMois.slice(0, 9).every((x: any) => x.gagnees === 0 && x.perdues === 0)).toBe(true);
  });

  it('commercials see their own: alice 1/1, bob 2/1 (0.6667)', async () => {
    expect((await alice.get('/dashboard/performance/')).json()).toMatchObject({
      tauxConversion: 0.5,
      nbGagnees: 1,
      nbPerdues: 1,
      montantGagne: 5000,
      cycleVenteMoyenJours: 30,
    });
    expect((await bob.get('/dashboard/performance/')).json()).toMatchObject({
      tauxConversion: 0.6667,
      nbGagnees: 2,
      nbPerdues: 1,
      montantGagne: 10400,
      cycleVenteMoyenJours: 15,
    });
  });

  it('tauxConversion is 0 and cycle 0 when nothing is closed', async () => {
    await t.user('carole', 'commercial');
    const carole = await t.as('carole');
    expect((await carole.get('/dashboard/performance/')).json()).toMatchObject({
      tauxConversion: 0,
      nbGagnees: 0,
      nbPerdues: 0,
      montantGagne: 0,
      cycleVenteMoyenJours: 0,
    });
    expect((await carole.get('/dashboard/stats/')).json()).toMatchObject({
      totalClients: 0,
      montantPipeline: 0,
      totalTaches: 0,
    });
  });
});

describe('dashboard: SQL statements, cache, denials', () => {
  it('runs one statement per endpoint on a miss (three for stats/; plus the session check), none on a hit', async () => {
    const endpoints = ['stats/', 'opportunites-actives/?limit=7', 'taches-a-venir/?limit=7', 'performance/'];
    await t.deps.answerCache.bumpDataVersion();
    for (const e of endpoints) {
      const miss = await t.countSql(() => alice.get(`/dashboard/${e}`));
      expect(miss.result.statusCode, e).toBe(200);
      // stats/ runs its counters as three concurrent statements (small tables, opportunités, tâches).
      expect(miss.statements.length, e).toBe(e === 'stats/' ? 4 : 2);
      const hit = await t.countSql(() => alice.get(`/dashboard/${e}`));
      expect(hit.statements.length, e).toBe(1);
    }
    // The recent clients and projets reuse the domain lists: a commercial's own rows, the page and its
    // count in one statement (an admin's: count + page, see below).
    for (const e of ['clients-recents/?limit=7', 'projets-recents/?limit=7']) {
      const miss = await t.countSql(() => alice.get(`/dashboard/${e}`));
      expect(miss.statements.length, e).toBe(2);
    }
  });

  it('the statement count does not grow with the data (no N+1)', async () => {
    for (let i = 0; i < 40; i++) {
      await t.sql(`insert into projets (titre, client_id) values (?, ?)`, [`Bulk ${i}`, ids.A1]);
    }
    await t.deps.answerCache.bumpDataVersion();
    const big = await t.countSql(() => admin.get('/dashboard/projets-recents/?limit=50'));
    expect(big.result.json()).toHaveLength(43);
    expect(big.statements.length).toBe(3);
  });

  it('a write through the API changes the next answer (cache invalidated)', async () => {
    const before = (await alice.get('/dashboard/stats/')).json();
    const created = await alice.post('/clients/', { nom: 'Nouveau client' });
    expect(created.statusCode).toBe(201);
    const after = (await alice.get('/dashboard/stats/')).json();
    expect(after.totalClients).toBe(before.totalClients + 1);
    expect((await alice.get('/dashboard/clients-recents/?limit=1')).json()[0].nom).toBe('Nouveau client');
  });

  it('requires authentication', async () => {
    for (const e of [
      'stats/',
      'projets-recents/',
      'clients-recents/',
      'opportunites-actives/',
      'taches-a-venir/',
      'performance/',
    ]) {
      const res = await t.anonymous().get(`/dashboard/${e}`);
      expect(res.statusCode, e).toBe(401);
      expect(res.json().code).toBe('UNAUTHORIZED');
    }
  });
});
