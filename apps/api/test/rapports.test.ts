import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';
import { seedDashboardData } from './dashboard-fixtures.js';

/** Exact report numbers on the known data of dashboard-fixtures.ts, per role and filter. */
let t: TestApp;
let admin: RestClient;
let alice: RestClient;
let bob: RestClient;
let aliceId: number;
let bobId: number;
let adminId: number;
let managerId: number;
let ids: Record<string, number> = {};

const utcDay = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
const utcMonthOf = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().slice(0, 7);
/** Expected `parMois` from the creation offsets of the fixture rows. */
function monthsOf(offsetsMs: number[]): { mois: string; nombre: number }[] {
  const counts = new Map<string, number>();
  for (const o of offsetsMs) counts.set(utcMonthOf(o), (counts.get(utcMonthOf(o)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([mois, nombre]) => ({ mois, nombre }));
}

beforeAll(async () => {
  t = await startTestApp();
  adminId = await t.user('admin', 'admin');
  managerId = await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  ids = await seedDashboardData(t, { aliceId, bobId });
  await t.sql(
    `update clients set categorie = case id when ? then 'VIP' when ? then 'PME' when ? then 'VIP' else '' end`,
    [ids.A1, ids.A2, ids.B1],
  );
  [admin, alice, bob] = await Promise.all([t.as('admin'), t.as('alice'), t.as('bob')]);
});
afterAll(async () => t?.close());

describe('rapports/clients', () => {
  it('admin: totals, per categorie, per responsable, per month', async () => {
    const res = await admin.get('/rapports/clients/');
    expect(res.statusCode).toBe(200);
    const day = 86_400_000;
    expect(res.json()).toEqual({
      total: 4,
      valeurTotale: 15400,
      pipelinePondere: 2500.15,
      parCategorie: [
        { categorie: 'VIP', nombre: 2, valeurClient: 15400 },
        { categorie: '', nombre: 1, valeurClient: 0 },
        { categorie: 'PME', nombre: 1, valeurClient: 0 },
      ],
      parResponsable: [
        { responsable: aliceId, responsableNom: 'alice Test', nombre: 2, valeurClient: 5000 },
        { responsable: bobId, responsableNom: 'bob Test', nombre: 1, valeurClient: 10400 },
        { responsable: null, responsableNom: null, nombre: 1, valeurClient: 0 },
      ],
      parMois: monthsOf([3 * day, 2 * day, day, 0]),
    });
  });

  it('commercial: only their clients; filters categorie, responsable, period', async () => {
    expect((await alice.get('/rapports/clients/')).json()).toMatchObject({
      total: 2,
      valeurTotale: 5000,
      pipelinePondere: 1400.15,
      parResponsable: [{ responsable: aliceId, nombre: 2, valeurClient: 5000 }],
    });
    expect((await admin.get('/rapports/clients/?categorie=VIP')).json()).toMatchObject({
      total: 2,
      valeurTotale: 15400,
    });
    expect((await admin.get(`/rapports/clients/?responsable=${bobId}`)).json()).toMatchObject({
      total: 1,
      valeurTotale: 10400,
    });
    const twoDaysAgo = utcDay(2);
    const period = (await admin.get(`/rapports/clients/?dateDebut=${twoDaysAgo}&dateFin=${twoDaysAgo}`)).json();
    expect(period.total).toBe(1);
    expect(period.parCategorie).toEqual([{ categorie: 'PME', nombre: 1, valeurClient: 0 }]);
  });
});

describe('rapports/projets', () => {
  it('totals, budget, late ones, every statut in order; filters', async () => {
    const hour = 3_600_000;
    const r = (await admin.get('/rapports/projets/')).json();
    expect(r).toEqual({
      total: 3,
      budgetTotal: 1500,
      enRetard: 1,
      parStatut: [
        { statut: 'a_faire', nombre: 1, budget: 1500 },
        { statut: 'en_cours', nombre: 1, budget: 0 },
        { statut: 'termine', nombre: 1, budget: 0 },
      ],
      parMois: monthsOf([3 * hour, 2 * hour, hour]).map((m) => ({
        ...m,
        budget: m.mois === utcMonthOf(3 * hour) ? 1500 : 0,
      })),
    });
    expect((await admin.get('/rapports/projets/?enRetard=true')).json()).toMatchObject({ total: 1, enRetard: 1 });
    expect((await admin.get('/rapports/projets/?enRetard=false')).json()).toMatchObject({ total: 2, enRetard: 0 });
    expect((await admin.get('/rapports/projets/?statut=termine')).json()).toMatchObject({ total: 1 });
    expect((await admin.get(`/rapports/projets/?client=${ids.A1}`)).json()).toMatchObject({
      total: 2,
      budgetTotal: 1500,
    });
    expect((await bob.get('/rapports/projets/')).json()).toMatchObject({ total: 1, budgetTotal: 0, enRetard: 0 });
  });
});

describe('rapports/opportunites', () => {
  it('admin: amounts, conversion, every stage', async () => {
    const r = (await admin.get('/rapports/opportunites/')).json();
    expect(r).toMatchObject({
      total: 8,
      montantTotal: 23433.82,
      montantPondere: 2500.15,
      gagnees: 3,
      perdues: 2,
      tauxConversion: 0.6,
      montantGagne: 15400,
      parEtape: [
        { etape: 'prospect', nombre: 1, montant: 1000.5 },
        { etape: 'qualification', nombre: 0, montant: 0 },
        { etape: 'proposition', nombre: 1, montant: 3333.33 },
        { etape: 'negociation', nombre: 1, montant: 2000 },
        { etape: 'conclusion', nombre: 5, montant: 17099.99 },
      ],
    });
    expect(r.parMois.reduce((s: number, m: any) => s + m.nombre, 0)).toBe(8);
  });

  it('filters: resultat, montant range, period; commercial scope', async () => {
    expect((await admin.get('/rapports/opportunites/?resultat=gagnee')).json()).toMatchObject({
      total: 3,
      montantTotal: 15400,
      tauxConversion: 1,
    });
    expect((await admin.get('/rapports/opportunites/?montantMin=1000&montantMax=5000')).json()).toMatchObject({
      total: 4,
      montantTotal: 11333.83,
    });
    expect((await admin.get(`/rapports/opportunites/?dateDebut=${utcDay(0)}`)).json()).toMatchObject({
      total: 3,
      montantTotal: 6333.83,
      gagnees: 0,
      tauxConversion: 0,
    });
    expect((await alice.get('/rapports/opportunites/')).json()).toMatchObject({
      total: 4,
      montantTotal: 8700.5,
      gagnees: 1,
      perdues: 1,
      tauxConversion: 0.5,
    });
  });
});

describe('rapports/pipeline', () => {
  it('per stage: count, amount, weighted amount (to the cent)', async () => {
    expect((await admin.get('/rapports/pipeline/')).json()).toEqual([
      { etape: 'prospect', nombre: 1, montant: 1000.5, montantPondere: 300.15 },
      { etape: 'qualification', nombre: 0, montant: 0, montantPondere: 0 },
      { etape: 'proposition', nombre: 1, montant: 3333.33, montantPondere: 1100 },
      { etape: 'negociation', nombre: 1, montant: 2000, montantPondere: 1100 },
      { etape: 'conclusion', nombre: 5, montant: 17099.99, montantPondere: 15470 },
    ]);
  });

  it('is scoped and filterable', async () => {
    const bobPipeline = (await bob.get('/rapports/pipeline/')).json();
    expect(bobPipeline.find((s: any) => s.etape === 'conclusion')).toEqual({
      etape: 'conclusion',
      nombre: 3,
      montant: 11399.99,
      montantPondere: 10400,
    });
    expect(bobPipeline.find((s: any) => s.etape === 'prospect')).toEqual({
      etape: 'prospect',
      nombre: 0,
      montant: 0,
      montantPondere: 0,
    });
    const aliceOnly = (await admin.get(`/rapports/pipeline/?responsable=${aliceId}`)).json();
    expect(aliceOnly.map((s: any) => s.nombre)).toEqual([1, 0, 0, 1, 2]);
    expect(aliceOnly[4]).toEqual({ etape: 'conclusion', nombre: 2, montant: 5700, montantPondere: 5070 });
    expect((await admin.get('/rapports/pipeline/?etape=proposition')).json().map((s: any) => s.nombre)).toEqual([
      0, 0, 1, 0, 0,
    ]);
  });
});

describe('rapports/performances', () => {
  const zero = { gagnees: 0, perdues: 0, tauxConversion: 0, montantGagne: 0, tachesTerminees: 0, tachesEnRetard: 0 };

  it('admin: one row per user, best first, active users without activity included', async () => {
    expect((await admin.get('/rapports/performances/')).json()).toEqual([
      {
        user: bobId,
        userNom: 'bob Test',
        gagnees: 2,
        perdues: 1,
        tauxConversion: 0.6667,
        montantGagne: 10400,
        tachesTerminees: 1,
        tachesEnRetard: 0,
      },
      {
        user: aliceId,
        userNom: 'alice Test',
        gagnees: 1,
        perdues: 1,
        tauxConversion: 0.5,
        montantGagne: 5000,
        tachesTerminees: 0,
        tachesEnRetard: 1,
      },
      { user: adminId, userNom: 'admin Test', ...zero },
      { user: managerId, userNom: 'manager Test', ...zero },
    ]);
  });

  it('commercial: computed on what they see (bob appears through his tache on her client)', async () => {
    expect((await alice.get('/rapports/performances/')).json()).toEqual([
      {
        user: aliceId,
        userNom: 'alice Test',
        gagnees: 1,
        perdues: 1,
        tauxConversion: 0.5,
        montantGagne: 5000,
        tachesTerminees: 0,
        tachesEnRetard: 1,
      },
      { user: bobId, userNom: 'bob Test', ...zero },
    ]);
  });

  it('filters responsable and client', async () => {
    expect((await admin.get(`/rapports/performances/?responsable=${aliceId}`)).json()).toEqual([
      {
        user: aliceId,
        userNom: 'alice Test',
        gagnees: 1,
        perdues: 1,
        tauxConversion: 0.5,
        montantGagne: 5000,
        tachesTerminees: 0,
        tachesEnRetard: 1,
      },
    ]);
    const byClient = (await admin.get(`/rapports/performances/?client=${ids.B1}`)).json();
    expect(byClient[0]).toMatchObject({ user: bobId, gagnees: 2, perdues: 1, montantGagne: 10400, tachesTerminees: 0 });
    expect(byClient.find((r: any) => r.user === aliceId)).toMatchObject({ gagnees: 0, tachesEnRetard: 1 });
    expect(byClient.map((r: any) => r.userNom)).toEqual(['bob Test', 'admin Test', 'alice Test', 'manager Test']);
  });
});

describe('rapports: validation, denials, SQL statements', () => {
  it('400 on bad filters, in the contract shape', async () => {
    const order = await admin.get('/rapports/clients/?dateDebut=2026-03-01&dateFin=2026-02-01');
    expect(order.statusCode).toBe(400);
    expect(order.json().fieldErrors.dateFin).toEqual(['La date de fin doit être postérieure à la date de début.']);
    expect((await admin.get('/rapports/projets/?dateDebut=2026-02-30')).json().fieldErrors.dateDebut).toBeDefined();
    expect((await admin.get('/rapports/pipeline/?etape=gagnee')).json().fieldErrors.etape).toEqual([
      'Valeur non autorisée.',
    ]);
    expect((await admin.get('/rapports/opportunites/?client=abc')).statusCode).toBe(400);
    expect((await admin.get('/rapports/projets/?enRetard=peut-etre')).statusCode).toBe(400);
  });

  it('401 without credentials', async () => {
    for (const r of ['clients', 'projets', 'opportunites', 'pipeline', 'performances']) {
      const res = await t.anonymous().get(`/rapports/${r}/`);
      expect(res.statusCode, r).toBe(401);
      expect(res.json().code).toBe('UNAUTHORIZED');
    }
  });

  it('one statement per report (plus the session check), whatever the data size', async () => {
    for (const r of ['clients', 'projets', 'opportunites', 'pipeline', 'performances']) {
      const { result, statements } = await t.countSql(() =>
        alice.get(`/rapports/${r}/?dateDebut=2000-01-0${(r.length % 9) + 1}`),
      );
      expect(result.statusCode, r).toBe(200);
      expect(statements.length, r).toBe(2);
    }
  });
});
