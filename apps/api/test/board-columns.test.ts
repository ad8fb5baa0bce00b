import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

/**
 * What the boards read: column totals (`GET /opportunites/colonnes/`, `GET /taches/colonnes/`)
 * with the list's filters, and the closed columns' date filters (`conclusionApres`,
 * `termineeApres`: the board shows the last 30 days of Conclusion and Terminée by default).
 */
let t: TestApp;
let manager: RestClient;
let alice: RestClient; // commercial
let bob: RestClient; // commercial
let aliceId: number;
let clientA: number; // alice's
let clientB: number; // bob's

const dayOffset = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
const noms = (res: { json(): any }) =>
  res
    .json()
    .results.map((o: any) => o.nom ?? o.titre)
    .sort();

beforeAll(async () => {
  t = await startTestApp();
  await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  await t.user('bob', 'commercial');
  [manager, alice, bob] = await Promise.all([t.as('manager'), t.as('alice'), t.as('bob')]);
  clientA = (await alice.post('/clients/', { nom: 'Cabinet Moreau' })).json().id;
  clientB = (await bob.post('/clients/', { nom: 'Transports Petit' })).json().id;
  const opp = async (c: RestClient, body: Record<string, unknown>) => {
    const res = await c.post('/opportunites/', body);
    expect(res.statusCode).toBe(201);
    return res.json().id as number;
  };
  await opp(alice, { nom: 'Ouverte A', client: clientA, etape: 'proposition', montant: 1000.1, probabilite: 50 });
  await opp(bob, { nom: 'Ouverte B', client: clientB, etape: 'proposition', montant: 2000, probabilite: 10 });
  await opp(alice, {
    nom: 'Gagnée récente',
    client: clientA,
    etape: 'conclusion',
    resultat: 'gagnee',
    montant: 300.5,
    probabilite: 100,
  });
  await opp(alice, {
    nom: 'Perdue récente',
    client: clientA,
    etape: 'conclusion',
    resultat: 'perdue',
    montant: 700,
    probabilite: 80,
  });
  const ancienne = await opp(alice, {
    nom: 'Gagnée ancienne',
    client: clientA,
    etape: 'conclusion',
    resultat: 'gagnee',
    montant: 5000,
    probabilite: 100,
  });
  await opp(bob, {
    nom: 'Perdue de Bob',
    client: clientB,
    etape: 'conclusion',
    resultat: 'perdue',
    montant: 40,
    probabilite: 20,
  });
  await t.sql(
    `update opportunites set date_conclusion = now() - interval '60 days', date_modification = now() - interval '60 days' where id = ?`,
    [ancienne],
  );
  // Imported data: concluded without a recorded date counts at its last modification.
  const importee = await opp(alice, {
    nom: 'Importée',
    client: clientA,
    etape: 'conclusion',
    resultat: 'gagnee',
    montant: 1,
    probabilite: 100,
  });
  await t.sql(
    `update opportunites set date_conclusion = null, date_modification = now() - interval '45 days' where id = ?`,
    [importee],
  );

  const tache = async (body: Record<string, unknown>) => {
    const res = await alice.post('/taches/', {
      priorite: 'moyenne',
      dateEcheance: dayOffset(-3),
      client: clientA,
      ...body,
    });
    expect(res.statusCode).toBe(201);
    return res.json().id as number;
  };
  await tache({ titre: 'À faire en retard' });
  await tache({ titre: 'Terminée récemment', statut: 'terminee' });
  const vieille = await tache({ titre: 'Terminée il y a 40 jours', statut: 'terminee' });
  await t.sql(`update taches set date_terminee = now() - interval '40 days' where id = ?`, [vieille]);
  await bob.post('/taches/', {
    titre: 'Tâche de Bob',
    priorite: 'basse',
    dateEcheance: dayOffset(5),
    client: clientB,
    statut: 'terminee',
  });
});
afterAll(async () => t?.close());

describe('opportunites: conclusionApres and colonnes', () => {
  it('conclusionApres keeps deals concluded on or after that day (UTC), never open ones', async () => {
    expect(noms(await manager.get(`/opportunites/?conclusionApres=${dayOffset(-30)}`))).toEqual([
      'Gagnée récente',
      'Perdue de Bob',
      'Perdue récente',
    ]);
    expect(noms(await manager.get(`/opportunites/?conclusionApres=${dayOffset(-50)}`))).toEqual([
      'Gagnée récente',
      'Importée',
      'Perdue de Bob',
      'Perdue récente',
    ]);
    expect(noms(await alice.get(`/opportunites/?etape=conclusion&conclusionApres=${dayOffset(-90)}`))).toEqual([
      'Gagnée ancienne',
      'Gagnée récente',
      'Importée',
      'Perdue récente',
    ]);
    expect((await manager.get(`/opportunites/?conclusionApres=${dayOffset(1)}`)).json().count).toBe(0);
  });

  it('a bad date is a 400 in French naming the filter', async () => {
    const res = await manager.get('/opportunites/colonnes/?conclusionApres=hier');
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('BAD_REQUEST');
    expect(Object.keys(res.json().fieldErrors)).toEqual(['conclusionApres']);
    expect((await manager.get('/taches/?termineeApres=2026-02-30')).statusCode).toBe(400);
  });

  it('colonnes: every stage, true totals; weighted sums count open deals only; conclusion split into won and lost', async () => {
    const res = await manager.get('/opportunites/colonnes/');
    expect(res.statusCode).toBe(200);
    const cols = res.json();
    expect(cols.map((c: any) => c.etape)).toEqual([
      'prospect',
      'qualification',
      'proposition',
      'negociation',
      'conclusion',
    ]);
    expect(cols[2]).toEqual({ etape: 'proposition', nombre: 2, montant: 3000.1, montantPondere: 700.05 });
    expect(cols[4]).toEqual({
      etape: 'conclusion',
      nombre: 5,
      montant: 6041.5,
      montantPondere: 0,
      gagnees: { nombre: 3, montant: 5301.5 },
      perdues: { nombre: 2, montant: 740 },
    });
  });

  it('colonnes honours the closed-column filter and what a commercial may see', async () => {
    const recent = (
      await manager.get(`/opportunites/colonnes/?etape=conclusion&conclusionApres=${dayOffset(-30)}`)
    ).json();
    expect(recent.find((c: any) => c.etape === 'conclusion')).toEqual({
      etape: 'conclusion',
      nombre: 3,
      montant: 1040.5,
      montantPondere: 0,
      gagnees: { nombre: 1, montant: 300.5 },
      perdues: { nombre: 2, montant: 740 },
    });
    expect(recent.filter((c: any) => c.etape !== 'conclusion').every((c: any) => c.nombre === 0)).toBe(true);
    const mine = (await alice.get(`/opportunites/colonnes/?conclusionApres=${dayOffset(-30)}`)).json();
    expect(mine.find((c: any) => c.etape === 'conclusion')).toMatchObject({
      nombre: 2,
      gagnees: { nombre: 1, montant: 300.5 },
      perdues: { nombre: 1, montant: 700 },
    });
    expect((await alice.get('/opportunites/colonnes/')).json().find((c: any) => c.etape === 'proposition')).toEqual({
      etape: 'proposition',
      nombre: 1,
      montant: 1000.1,
      montantPondere: 500.05,
    });
  });

  it('colonnes is one SQL statement, and refused without credentials', async () => {
    const { result, statements } = await t.countSql(() =>
      manager.get(`/opportunites/colonnes/?responsable=${aliceId}&montantMin=10`),
    );
    expect(result.statusCode).toBe(200);
    expect(statements.filter((s) => /from opportunites/.test(s))).toHaveLength(1);
    expect((await t.anonymous().get('/opportunites/colonnes/')).statusCode).toBe(401);
    expect((await t.anonymous().get('/taches/colonnes/')).statusCode).toBe(401);
  });
});

describe('taches: termineeApres and colonnes', () => {
  it('termineeApres keeps tasks finished on or after that day, never unfinished ones', async () => {
    expect(noms(await manager.get(`/taches/?termineeApres=${dayOffset(-30)}`))).toEqual([
      'Terminée récemment',
      'Tâche de Bob',
    ]);
    expect(noms(await alice.get(`/taches/?statut=terminee&termineeApres=${dayOffset(-60)}`))).toEqual([
      'Terminée il y a 40 jours',
      'Terminée récemment',
    ]);
  });

  it('colonnes with the closed-column filter, and per caller', async () => {
    expect((await manager.get('/taches/colonnes/')).json()).toEqual([
      { statut: 'a_faire', nombre: 1, enRetard: 1 },
      { statut: 'en_cours', nombre: 0, enRetard: 0 },
      { statut: 'terminee', nombre: 3, enRetard: 0 },
    ]);
    const recent = (await manager.get(`/taches/colonnes/?statut=terminee&termineeApres=${dayOffset(-30)}`)).json();
    expect(recent[2]).toEqual({ statut: 'terminee', nombre: 2, enRetard: 0 });
    expect((await alice.get(`/taches/colonnes/?termineeApres=${dayOffset(-30)}`)).json()[2]).toEqual({
      statut: 'terminee',
      nombre: 1,
      enRetard: 0,
    });
    expect((await bob.get('/taches/colonnes/')).json()[0]).toEqual({ statut: 'a_faire', nombre: 0, enRetard: 0 });
  });
});
