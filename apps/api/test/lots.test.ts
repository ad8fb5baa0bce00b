import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

/** POST /api/<resource>/lot/: bulk actions in one transaction, audited, with counts and refusals. */
let t: TestApp;
let admin: RestClient;
let manager: RestClient;
let alice: RestClient;
let aliceId: number;
let bobId: number;
let a1: number;
let a2: number;
let b1: number;

const positions = async (table: string, column: string) =>
  t.sql<{ v: string; p: number[] }>(`select ${column} as v, array_agg(position order by position) as p from ${table} group by ${column} order by 1`);
/** Kanban keys are sparse (contract): unique and ascending in every column. */
const ordered = (rows: { p: number[] }[]) => rows.every((r) => r.p.every((x, i) => i === 0 || x > r.p[i - 1]));

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  [admin, manager, alice] = await Promise.all([t.as('admin'), t.as('manager'), t.as('alice')]);
  a1 = (await alice.post('/clients/', { nom: 'Alice Un', categorie: 'VIP' })).json().id;
  a2 = (await alice.post('/clients/', { nom: 'Alice Deux', categorie: 'VIP' })).json().id;
  b1 = (await admin.post('/clients/', { nom: 'Bob Un', responsable: bobId, categorie: 'VIP' })).json().id;
});
afterAll(async () => t?.close());

describe('bulk actions', () => {
  it('tâches: change statut of a selection (to the end of the column, columns stay ordered), counts unchanged and refused rows', async () => {
    const mk = (c: RestClient, titre: string, client: number, statut = 'a_faire') => c.post('/taches/', { titre, client, priorite: 'basse', dateEcheance: '2027-01-01', statut }).then((r) => r.json().id);
    const t1 = await mk(alice, 'T1', a1);
    const t2 = await mk(alice, 'T2', a1);
    const t3 = await mk(alice, 'T3', a2, 'terminee');
    const tb = await mk(admin, 'Tb', b1);
    await mk(alice, 'T4', a2, 'en_cours');
    const res = await alice.post('/taches/lot/', { ids: [t1, t2, t3, tb, 999999], action: 'changer_statut', statut: 'terminee' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ action: 'changer_statut', demandes: 5, modifies: 2, inchanges: 1, refuses: 2 });
    expect(res.json().refus).toEqual([
      { id: tb, raison: 'introuvable', message: 'Introuvable ou non visible.' },
      { id: 999999, raison: 'introuvable', message: 'Introuvable ou non visible.' },
    ]);
    const after = (await alice.get('/taches/?statut=terminee&ordering=position')).json().results;
    expect(after.map((x: any) => x.id)).toEqual([t3, t1, t2]);
    expect(after.every((x: any) => x.dateTerminee)).toBe(true);
    expect((await admin.get(`/taches/${tb}/`)).json().statut).toBe('a_faire');
    expect(ordered(await positions('taches', 'statut'))).toBe(true);
    const [log] = await t.sql(`select action, entity, details from audit_log where action = 'lot_changer_statut'`);
    expect(log).toMatchObject({ entity: 'taches', details: { demandes: 5, modifies: 2, refuses: 2, ids: [t1, t2] } });
  });

  it('« all matching »: filtres select what the list shows the caller; reassign and priorité', async () => {
    const res = await alice.post('/taches/lot/', { filtres: { statut: 'terminee' }, action: 'changer_priorite', priorite: 'urgente' });
    expect(res.json()).toMatchObject({ demandes: 3, modifies: 3, refuses: 0 });
    const all = await admin.post('/taches/lot/', { filtres: {}, action: 'reassigner', assigneA: bobId });
    expect(all.json()).toMatchObject({ demandes: 5, modifies: 5 });
    const rows = await t.sql(`select count(*)::int as n from taches where assigne_a_id = ?`, [bobId]);
    expect(rows[0].n).toBe(5);
  });

  it('opportunités: changer_etape to conclusion needs a resultat; moves to the end of the column', async () => {
    const mk = (nom: string, client: number) => alice.post('/opportunites/', { nom, client, montant: 100, probabilite: 50 }).then((r) => r.json().id);
    const o1 = await mk('O1', a1);
    const o2 = await mk('O2', a2);
    const missing = await alice.post('/opportunites/lot/', { ids: [o1], action: 'changer_etape', etape: 'conclusion' });
    expect(missing.statusCode).toBe(400);
    expect(Object.keys(missing.json().fieldErrors)).toEqual(['resultat']);
    const res = await alice.post('/opportunites/lot/', { ids: [o1, o2], action: 'changer_etape', etape: 'conclusion', resultat: 'gagnee' });
    expect(res.json()).toMatchObject({ modifies: 2 });
    expect((await alice.get(`/opportunites/${o2}/`)).json()).toMatchObject({ etape: 'conclusion', resultat: 'gagnee' });
    expect(ordered(await positions('opportunites', 'etape'))).toBe(true);
    const back = await alice.post('/opportunites/lot/', { ids: [o1], action: 'changer_etape', etape: 'prospect' });
    expect(back.json().modifies).toBe(1);
    expect((await alice.get(`/opportunites/${o1}/`)).json()).toMatchObject({ etape: 'prospect', resultat: null });
  });

  it('add a tâche to each client; a commercial may not give clients to someone else', async () => {
    const res = await alice.post('/clients/lot/', {
      filtres: { categorie: 'VIP' }, action: 'ajouter_tache', tache: { titre: 'Relance annuelle', priorite: 'moyenne', dateEcheance: '2027-03-01' },
    });
    expect(res.json()).toMatchObject({ demandes: 2, modifies: 2 });
    const created = await t.sql(`select client_id, assigne_a_id from taches where titre = 'Relance annuelle' order by client_id`);
    expect(created).toEqual([{ client_id: a1, assigne_a_id: aliceId }, { client_id: a2, assigne_a_id: aliceId }]);
    expect((await alice.post('/clients/lot/', { ids: [a1], action: 'reassigner', responsable: bobId })).statusCode).toBe(403);
    const bad = await alice.post('/clients/lot/', { action: 'ajouter_tache', tache: { titre: '' } });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().fieldErrors).sort()).toEqual(['tache.dateEcheance', 'tache.priorite', 'tache.titre']);
    const noTarget = await alice.post('/clients/lot/', { action: 'reassigner', responsable: aliceId });
    expect(noTarget.json().fieldErrors).toEqual({ ids: ['Indiquez soit « ids », soit « filtres ».'] });
    expect((await alice.post('/clients/lot/', { ids: [a1], action: 'reassigner' })).json().fieldErrors).toEqual({ responsable: ['Ce champ est obligatoire.'] });
    expect((await alice.post('/clients/lot/', { ids: [a1], filtres: {}, action: 'supprimer' })).statusCode).toBe(400);
  });

  it('delete: managers and admins only; 409 rules per row; cascade for admins; all in one transaction', async () => {
    expect((await alice.post('/clients/lot/', { ids: [a1], action: 'supprimer' })).statusCode).toBe(403);
    const empty = (await manager.post('/clients/', { nom: 'Vide' })).json().id;
    const res = await manager.post('/clients/lot/', { ids: [a1, empty], action: 'supprimer' });
    expect(res.json()).toMatchObject({ modifies: 1, refuses: 1, refus: [{ id: a1, raison: 'a_des_dependances', message: 'Ce client a encore des projets, opportunités ou tâches.' }] });
    expect((await manager.post('/clients/lot/', { ids: [a1], action: 'supprimer', cascade: true })).statusCode).toBe(403);
    const cascade = await admin.post('/clients/lot/', { ids: [a1, a2], action: 'supprimer', cascade: true });
    expect(cascade.json()).toMatchObject({ modifies: 2, refuses: 0 });
    const left = await t.sql(`select (select count(*)::int from clients where id in (?, ?)) as c, (select count(*)::int from taches where client_id in (?, ?)) as t`, [a1, a2, a1, a2]);
    expect(left).toEqual([{ c: 0, t: 0 }]);
  });

  it('each resource has its POST …/lot/ in the OpenAPI document; global search too', async () => {
    const doc = (await admin.get('/openapi.json')).json();
    for (const r of ['clients', 'opportunites', 'projets', 'taches']) expect(doc.paths[`/${r}/lot/`]?.post, r).toBeDefined();
    expect(doc.paths['/recherche/'].get.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['q', 'limite']));
  });
});
