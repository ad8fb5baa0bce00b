/**
 * A commercial's lists read their own rows along (owner, ordering key, id) indexes: opportunités,
 * projets and devis through `proprietaire_id` (their client's responsable, kept by triggers),
 * clients through `responsable_id`, tâches as two ordered branches (assigned to them; on their
 * clients and not assigned to them) merged. Every page must be exactly the page of the visibility
 * rule written the old way (joins to clients), for every ordering, with and without filters, and
 * follow a client's change of responsable at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let alice: RestClient;
let aliceId: number;
let bobId: number;

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  admin = await t.as('admin');
  alice = await t.as('alice');
  // 300 clients: a third Alice's, a third Bob's, a third nobody's; rows hanging off them with
  // clustered and scattered keys, tâches assigned across owners.
  await t.sql(
    `insert into clients (nom, societe, responsable_id, date_creation)
     select 'Client ' || lpad(g::text, 3, '0'), 'Soc ' || (g % 7), case g % 3 when 0 then ? when 1 then ? end,
            now() - (g || ' hours')::interval
       from generate_series(1, 300) g`,
    [aliceId, bobId],
  );
  await t.sql(
    `insert into opportunites (nom, client_id, montant, probabilite, etape, position, date_conclusion_estimee, date_creation)
     select 'Opp ' || g, 1 + (g * 7) % 300, (g * 37) % 1000, (g * 11) % 100,
            (array['prospect','qualification','proposition','negociation'])[1 + g % 4], g * 1024,
            current_date + (g % 50), now() - (g || ' minutes')::interval
       from generate_series(1, 900) g`,
  );
  await t.sql(
    `insert into projets (titre, client_id, budget, date_debut, date_fin, statut)
     select 'Projet ' || g, 1 + (g * 13) % 300, (g * 53) % 5000, current_date - (g % 30), current_date + 1 + (g % 40),
            (array['en_cours','termine'])[1 + g % 2]
       from generate_series(1, 300) g`,
  );
  await t.sql(
    `insert into devis (opportunite_id, montant, version) select g, (g * 17) % 3000, 1 from generate_series(1, 600) g`,
  );
  await t.sql(
    `insert into taches (titre, client_id, assigne_a_id, priorite, date_echeance, statut, position)
     select 'Tâche ' || g, case when g % 5 = 0 then null else 1 + (g * 11) % 300 end,
            case g % 4 when 0 then ? when 1 then ? end,
            (array['basse','moyenne','haute','urgente'])[1 + g % 4], current_date + (g % 60),
            (array['a_faire','en_cours','terminee'])[1 + g % 3], g * 1024
       from generate_series(1, 1200) g`,
    [aliceId, bobId],
  );
  await t.sql('analyze');
});
afterAll(async () => t?.close());

/** Ids of every page of `path` (25 a page) for `who`. */
async function pages(who: RestClient, path: string): Promise<number[]> {
  const ids: number[] = [];
  for (let page = 1; ; page++) {
    const res = await who.get(`${path}${path.includes('?') ? '&' : '?'}page=${page}&pageSize=25`);
    expect(res.statusCode, path).toBe(200);
    const body = res.json();
    ids.push(...body.results.map((r: { id: number }) => r.id));
    if (page * 25 >= body.count) {
      expect(ids).toHaveLength(body.count);
      return ids;
    }
  }
}

/** The same list computed with the visibility rule written with joins (the rule before owners were stored). */
async function expected(table: string, visible: string, filter: string, order: string): Promise<number[]> {
  const rows = await t.sql<{ id: number }>(
    `select x.id from ${table} x where (${visible}) ${filter ? `and ${filter}` : ''} order by ${order}`,
    [],
  );
  return rows.map((r) => r.id);
}

const ALICE_CLIENTS = () => `select id from clients where responsable_id = ${aliceId}`;
const PRIORITE = `(case x.priorite when 'basse' then 1 when 'moyenne' then 2 when 'haute' then 3 when 'urgente' then 4 end)`;

describe("a commercial's pages are exactly the visibility rule's, in every ordering", () => {
  it('tâches: assigned to them or on their clients, two branches merged', async () => {
    const visible = `x.assigne_a_id = ${aliceId} or x.client_id in (${ALICE_CLIENTS()})`;
    const cases: Array<[string, string, string]> = [
      ['', '', 'x.date_echeance asc, x.id asc'],
      ['ordering=-dateEcheance', '', 'x.date_echeance desc, x.id desc'],
      ['ordering=priorite', '', `${PRIORITE} asc, x.id asc`],
      ['ordering=-priorite', '', `${PRIORITE} desc, x.id desc`],
      ['ordering=-dateCreation', '', 'x.date_creation desc, x.id desc'],
      ['ordering=position', '', 'x.position asc, x.id asc'],
      ['statut=a_faire&ordering=-priorite', `x.statut = 'a_faire'`, `${PRIORITE} desc, x.id desc`],
      ['search=tache 1', `x.titre like 'Tâche 1%'`, 'x.date_echeance asc, x.id asc'],
    ];
    for (const [query, filter, order] of cases) {
      const want = await expected('taches', visible, filter, order);
      expect(want.length).toBeGreaterThan(25);
      expect(await pages(alice, `/taches/?${query}`), query).toEqual(want);
    }
  });

  it('opportunités, projets, devis (their client’s responsable) and clients', async () => {
    const viaClient = `x.client_id in (${ALICE_CLIENTS()})`;
    const cases: Array<[string, string, string, string, string]> = [
      ['/opportunites/', 'opportunites', viaClient, '', 'x.date_creation desc, x.id desc'],
      ['/opportunites/?ordering=nom', 'opportunites', viaClient, '', 'crm_fold(x.nom) asc, x.id asc'],
      ['/opportunites/?ordering=-montant', 'opportunites', viaClient, '', 'x.montant desc, x.id desc'],
      [
        '/opportunites/?etape=proposition&ordering=dateConclusionEstimee',
        'opportunites',
        viaClient,
        `x.etape = 'proposition'`,
        'x.date_conclusion_estimee asc, x.id asc',
      ],
      ['/projets/?ordering=-budget', 'projets', viaClient, '', 'x.budget desc, x.id desc'],
      [
        '/projets/?statut=en_cours&ordering=titre',
        'projets',
        viaClient,
        `x.statut = 'en_cours'`,
        'crm_fold(x.titre) asc, x.id asc',
      ],
      [
        '/devis/?ordering=-montant',
        'devis',
        `x.opportunite_id in (select id from opportunites where client_id in (${ALICE_CLIENTS()}))`,
        '',
        'x.montant desc, x.id desc',
      ],
      ['/clients/?ordering=-nom', 'clients', `x.responsable_id = ${aliceId}`, '', 'x.nom desc, x.id desc'],
    ];
    for (const [path, table, visible, filter, order] of cases) {
      const want = await expected(table, visible, filter, order);
      expect(want.length, path).toBeGreaterThan(25);
      expect(await pages(alice, path), path).toEqual(want);
    }
  });

  it("follows a client's change of responsable at once: its rows leave one commercial's lists for the other's", async () => {
    const [client] = await t.sql<{ id: number }>(
      `select c.id from clients c where c.responsable_id = ? and exists (select 1 from opportunites o join devis d on d.opportunite_id = o.id where o.client_id = c.id)
         and exists (select 1 from projets p where p.client_id = c.id) order by c.id limit 1`,
      [aliceId],
    );
    const ofClient = async (table: string) =>
      (await t.sql<{ id: number }>(`select id from ${table} where client_id = ?`, [client.id])).map((r) => r.id);
    const opps = await ofClient('opportunites');
    const projets = await ofClient('projets');
    const before = await pages(alice, '/opportunites/');
    expect(before).toEqual(expect.arrayContaining(opps));
    expect((await admin.patch(`/clients/${client.id}/`, { responsable: bobId })).statusCode).toBe(200);

    const bob = await t.as('bob');
    const after = await pages(alice, '/opportunites/');
    expect(after.filter((id) => opps.includes(id))).toEqual([]);
    expect(await pages(bob, '/opportunites/')).toEqual(expect.arrayContaining(opps));
    expect((await pages(alice, '/projets/')).filter((id) => projets.includes(id))).toEqual([]);
    expect(await pages(bob, '/projets/')).toEqual(expect.arrayContaining(projets));
    const devis = (
      await t.sql<{ id: number }>(
        'select d.id from devis d join opportunites o on o.id = d.opportunite_id where o.client_id = ?',
        [client.id],
      )
    ).map((r) => r.id);
    expect((await pages(alice, '/devis/')).filter((id) => devis.includes(id))).toEqual([]);
    expect(await pages(bob, '/devis/')).toEqual(expect.arrayContaining(devis));
    for (const id of opps) expect((await alice.get(`/opportunites/${id}/`)).statusCode).toBe(404);
  });
});
