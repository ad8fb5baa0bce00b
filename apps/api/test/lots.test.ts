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
  t.sql<{ v: string; p: number[] }>(
    `select ${column} as v, array_agg(position order by position) as p from ${table} group by ${column} order by 1`,
  );
/** Kanban keys are sparse (contract): unique and ascending in every column. */
const ordered = (rows: { p: number[] }[]) => rows.every((r) => r.p.every((x, i) => i === 0 || x > r.p[i - 1]));

beforeAll(async () => {
  // No job workers: the webhook deliveries the actions enqueue stay in the outbox to be looked at
  // (and no worker's statements mix with the counted ones).
  t = await startTestApp({ env: { JOBS_WORKERS: 'false' } });
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
    const mk = (c: RestClient, titre: string, client: number, statut = 'a_faire') =>
      c
        .post('/taches/', { titre, client, priorite: 'basse', dateEcheance: '2027-01-01', statut })
        .then((r) => r.json().id);
    const t1 = await mk(alice, 'T1', a1);
    const t2 = await mk(alice, 'T2', a1);
    const t3 = await mk(alice, 'T3', a2, 'terminee');
    const tb = await mk(admin, 'Tb', b1);
    await mk(alice, 'T4', a2, 'en_cours');
    const res = await alice.post('/taches/lot/', {
      ids: [t1, t2, t3, tb, 999999],
      action: 'changer_statut',
      statut: 'terminee',
    });
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
    const res = await alice.post('/taches/lot/', {
      filtres: { statut: 'terminee' },
      action: 'changer_priorite',
      priorite: 'urgente',
    });
    expect(res.json()).toMatchObject({ demandes: 3, modifies: 3, refuses: 0 });
    const all = await admin.post('/taches/lot/', { filtres: {}, action: 'reassigner', assigneA: bobId });
    expect(all.json()).toMatchObject({ demandes: 5, modifies: 5 });
    const rows = await t.sql(`select count(*)::int as n from taches where assigne_a_id = ?`, [bobId]);
    expect(rows[0].n).toBe(5);
  });

  it('opportunités: changer_etape to conclusion needs a resultat; moves to the end of the column', async () => {
    const mk = (nom: string, client: number) =>
      alice.post('/opportunites/', { nom, client, montant: 100, probabilite: 50 }).then((r) => r.json().id);
    const o1 = await mk('O1', a1);
    const o2 = await mk('O2', a2);
    const missing = await alice.post('/opportunites/lot/', { ids: [o1], action: 'changer_etape', etape: 'conclusion' });
    expect(missing.statusCode).toBe(400);
    expect(Object.keys(missing.json().fieldErrors)).toEqual(['resultat']);
    const res = await alice.post('/opportunites/lot/', {
      ids: [o1, o2],
      action: 'changer_etape',
      etape: 'conclusion',
      resultat: 'gagnee',
    });
    expect(res.json()).toMatchObject({ modifies: 2 });
    expect((await alice.get(`/opportunites/${o2}/`)).json()).toMatchObject({ etape: 'conclusion', resultat: 'gagnee' });
    expect(ordered(await positions('opportunites', 'etape'))).toBe(true);
    const back = await alice.post('/opportunites/lot/', { ids: [o1], action: 'changer_etape', etape: 'prospect' });
    expect(back.json().modifies).toBe(1);
    expect((await alice.get(`/opportunites/${o1}/`)).json()).toMatchObject({ etape: 'prospect', resultat: null });
  });

  it('add a tâche to each client; a commercial may not give clients to someone else', async () => {
    const res = await alice.post('/clients/lot/', {
      filtres: { categorie: 'VIP' },
      action: 'ajouter_tache',
      tache: { titre: 'Relance annuelle', priorite: 'moyenne', dateEcheance: '2027-03-01' },
    });
    expect(res.json()).toMatchObject({ demandes: 2, modifies: 2 });
    const created = await t.sql(
      `select client_id, assigne_a_id from taches where titre = 'Relance annuelle' order by client_id`,
    );
    expect(created).toEqual([
      { client_id: a1, assigne_a_id: aliceId },
      { client_id: a2, assigne_a_id: aliceId },
    ]);
    expect(
      (await alice.post('/clients/lot/', { ids: [a1], action: 'reassigner', responsable: bobId })).statusCode,
    ).toBe(403);
    const bad = await alice.post('/clients/lot/', { action: 'ajouter_tache', tache: { titre: '' } });
    expect(bad.statusCode).toBe(400);
    expect(Object.keys(bad.json().fieldErrors).sort()).toEqual(['tache.dateEcheance', 'tache.priorite', 'tache.titre']);
    const noTarget = await alice.post('/clients/lot/', { action: 'reassigner', responsable: aliceId });
    expect(noTarget.json().fieldErrors).toEqual({ ids: ['Indiquez soit « ids », soit « filtres ».'] });
    expect((await alice.post('/clients/lot/', { ids: [a1], action: 'reassigner' })).json().fieldErrors).toEqual({
      responsable: ['Ce champ est obligatoire.'],
    });
    expect((await alice.post('/clients/lot/', { ids: [a1], filtres: {}, action: 'supprimer' })).statusCode).toBe(400);
  });

  it('delete: managers and admins only; 409 rules per row; cascade for admins; all in one transaction', async () => {
    expect((await alice.post('/clients/lot/', { ids: [a1], action: 'supprimer' })).statusCode).toBe(403);
    const empty = (await manager.post('/clients/', { nom: 'Vide' })).json().id;
    const res = await manager.post('/clients/lot/', { ids: [a1, empty], action: 'supprimer' });
    expect(res.json()).toMatchObject({
      modifies: 1,
      refuses: 1,
      refus: [
        { id: a1, raison: 'a_des_dependances', message: 'Ce client a encore des projets, opportunités ou tâches.' },
      ],
    });
    expect((await manager.post('/clients/lot/', { ids: [a1], action: 'supprimer', cascade: true })).statusCode).toBe(
      403,
    );
    const cascade = await admin.post('/clients/lot/', { ids: [a1, a2], action: 'supprimer', cascade: true });
    expect(cascade.json()).toMatchObject({ modifies: 2, refuses: 0 });
    const left = await t.sql(
      `select (select count(*)::int from clients where id in (?, ?)) as c, (select count(*)::int from taches where client_id in (?, ?)) as t`,
      [a1, a2, a1, a2],
    );
    expect(left).toEqual([{ c: 0, t: 0 }]);
  });

  it('each resource has its POST …/lot/ in the OpenAPI document; global search too', async () => {
    const doc = (await admin.get('/openapi.json')).json();
    for (const r of ['clients', 'opportunites', 'projets', 'taches'])
      expect(doc.paths[`/${r}/lot/`]?.post, r).toBeDefined();
    expect(doc.paths['/recherche/'].get.parameters.map((p: any) => p.name)).toEqual(
      expect.arrayContaining(['q', 'limite']),
    );
  });
});

describe('bulk actions record what the single mutations record', () => {
  let hook: number;
  const deliveries = async (evenement: string) =>
    t.sql<{ cle: string; payload: any }>(
      `select cle, payload from webhook_livraisons where webhook_id = ? and evenement = ? order by id`,
      [hook, evenement],
    );

  beforeAll(async () => {
    // A subscription to every event (its deliveries are looked at, not sent: the address is refused as private).
    [{ id: hook }] = await t.sql<{ id: number }>(`insert into webhooks (url, evenements, secret, cree_par_id)
      select 'https://127.0.0.1/crochet', array['client.updated', 'client.deleted', 'opportunite.updated', 'opportunite.etape_changed',
        'tache.created', 'tache.updated', 'tache.completed', 'tache.deleted', 'projet.updated'], 'whsec_test', id from users where username = 'admin' returning id`);
  });

  it('reassigning clients: timeline, notices to the new responsable, client.updated per client (same transaction)', async () => {
    const c1 = (await alice.post('/clients/', { nom: 'Evt Un' })).json().id;
    const c2 = (await alice.post('/clients/', { nom: 'Evt Deux' })).json().id;
    const res = await admin.post('/clients/lot/', { ids: [c1, c2], action: 'reassigner', responsable: bobId });
    expect(res.json()).toMatchObject({ modifies: 2 });
    const events = await t.sql(
      `select client_id, resume, donnees from evenements where type = 'client_responsable' and client_id in (?, ?) order by client_id`,
      [c1, c2],
    );
    expect(events).toEqual([
      { client_id: c1, resume: 'Responsable : alice Test → bob Test', donnees: { de: aliceId, vers: bobId } },
      { client_id: c2, resume: 'Responsable : alice Test → bob Test', donnees: { de: aliceId, vers: bobId } },
    ]);
    const notices = await t.sql(
      `select message, lien from notifications where user_id = ? and type = 'client_attribue' order by id`,
      [bobId],
    );
    expect(notices.slice(-2)).toEqual([
      { message: 'Le client « Evt Un » vous a été attribué', lien: `/clients/${c1}` },
      { message: 'Le client « Evt Deux » vous a été attribué', lien: `/clients/${c2}` },
    ]);
    const sent = await deliveries('client.updated');
    expect(sent.map((d) => d.cle)).toEqual([`client:${c1}`, `client:${c2}`]);
    expect(sent[0].payload).toMatchObject({
      type: 'client.updated',
      data: { id: c1, nom: 'Evt Un', responsable: bobId },
    });
    // Deletion: client.deleted with the id.
    await admin.post('/clients/lot/', { ids: [c1, c2], action: 'supprimer' });
    expect((await deliveries('client.deleted')).map((d) => d.payload.data)).toEqual([{ id: c1 }, { id: c2 }]);
  });

  it('moving opportunités and tâches, adding tâches: stage and completion events, etape_changed with the previous stage', async () => {
    const c = (await alice.post('/clients/', { nom: 'Evt Trois' })).json().id;
    const o1 = (await alice.post('/opportunites/', { nom: 'Evt O1', client: c })).json().id;
    const o2 = (await alice.post('/opportunites/', { nom: 'Evt O2', client: c })).json().id;
    await alice.post('/opportunites/lot/', {
      ids: [o1, o2],
      action: 'changer_etape',
      etape: 'conclusion',
      resultat: 'gagnee',
    });
    expect(
      await t.sql(
        `select opportunite_id, type, resume from evenements where opportunite_id in (?, ?) and type <> 'opportunite_creee' order by opportunite_id`,
        [o1, o2],
      ),
    ).toEqual([
      { opportunite_id: o1, type: 'opportunite_gagnee', resume: 'Opportunité « Evt O1 » gagnée' },
      { opportunite_id: o2, type: 'opportunite_gagnee', resume: 'Opportunité « Evt O2 » gagnée' },
    ]);
    const changed = await deliveries('opportunite.etape_changed');
    expect(changed.map((d) => [d.cle, d.payload.previous, d.payload.data.etape])).toEqual([
      [`opportunite:${o1}`, { etape: 'prospect' }, 'conclusion'],
      [`opportunite:${o2}`, { etape: 'prospect' }, 'conclusion'],
    ]);
    expect((await deliveries('opportunite.updated')).map((d) => d.cle)).toEqual([
      `opportunite:${o1}`,
      `opportunite:${o2}`,
    ]);

    await alice.post('/clients/lot/', {
      ids: [c],
      action: 'ajouter_tache',
      tache: { titre: 'Evt relance', priorite: 'haute', dateEcheance: '2027-03-01', assigneA: bobId },
    });
    const [tache] = await t.sql<{ id: number }>(`select id from taches where titre = 'Evt relance'`);
    expect((await deliveries('tache.created')).map((d) => d.cle)).toEqual([`tache:${tache.id}`]);
    expect(
      await t.sql(`select type, resume from evenements where client_id = ? and type like 'tache%' order by id`, [c]),
    ).toEqual([{ type: 'tache_creee', resume: 'Tâche « Evt relance » créée' }]);
    expect(
      await t.sql(`select message from notifications where user_id = ? and lien = ?`, [bobId, `/taches/${tache.id}`]),
    ).toEqual([{ message: 'Tâche « Evt relance » vous a été assignée (échéance 01/03/2027)' }]);
    await admin.post('/taches/lot/', { ids: [tache.id], action: 'changer_statut', statut: 'terminee' });
    expect((await deliveries('tache.completed')).map((d) => d.cle)).toEqual([`tache:${tache.id}`]);
    expect(await t.sql(`select resume from evenements where client_id = ? and type = 'tache_terminee'`, [c])).toEqual([
      { resume: 'Tâche « Evt relance » terminée' },
    ]);
  });

  it('a fixed number of statements whatever the number of rows', async () => {
    const c = (await alice.post('/clients/', { nom: 'Evt Quatre' })).json().id;
    const mk = async (n: number) => {
      const ids: number[] = [];
      for (let i = 0; i < n; i++)
        ids.push(
          (
            await alice.post('/taches/', {
              titre: `Evt T${i}`,
              client: c,
              priorite: 'basse',
              dateEcheance: '2027-01-01',
            })
          ).json().id,
        );
      return ids;
    };
    const few = await mk(2);
    const many = await mk(8);
    const a = await t.countSql(() => admin.post('/taches/lot/', { ids: few, action: 'reassigner', assigneA: bobId }));
    const b = await t.countSql(() => admin.post('/taches/lot/', { ids: many, action: 'reassigner', assigneA: bobId }));
    expect(a.result.json().modifies).toBe(2);
    expect(b.result.json().modifies).toBe(8);
    expect(b.statements.length).toBe(a.statements.length);
    expect((await deliveries('tache.updated')).filter((d) => many.includes(d.payload.data.id))).toHaveLength(8);
  });
});
