/**
 * A commercial's lists read their own rows along (owner, ordering key, id) indexes: opportunités,
 * projets and devis through `proprietaire_id` (their client's responsable, kept by triggers),
 * clients through `responsable_id`, tâches as two ordered branches (assigned to them; on their
 * clients and not assigned to them) merged. Every page must be exactly the page of the visibility
 * rule written the old way (joins to clients), for every ordering, with and without filters, and
 * follow a client's change of responsable at once. The same for their searches (a term matching
 * many of their rows, or a handful; more matches than a search collects at once), the column totals
 * and the global search: never a row of someone else's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@crm/db';
import type { AuthUser } from '../src/auth/sessions.js';
import { listProjets } from '../src/services/projets/queries.js';
import { startTestApp, type RestClient, type TestApp, withoutSessionCheck } from './helpers.js';

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

  it('a plain list of their rows (no filter, any ordering): the page and its count in one statement', async () => {
    for (const path of [
      '/taches/?ordering=-priorite&page=2',
      '/taches/?ordering=position',
      '/projets/?ordering=-budget&page=3',
      '/devis/',
      '/opportunites/?ordering=nom&page=2',
    ]) {
      const { result, statements } = await t.countSql(() =>
        alice.get(`${path}${path.includes('?') ? '&' : '?'}pageSize=10`),
      );
      const body = result.json();
      const table = path.split('/')[1]!;
      const [{ n }] = await t.sql<{ n: number }>(
        `select count(*)::int as n from ${table} x where ${
          table === 'taches'
            ? `x.assigne_a_id = ${aliceId} or x.client_id in (${ALICE_CLIENTS()})`
            : table === 'devis'
              ? `x.opportunite_id in (select id from opportunites where client_id in (${ALICE_CLIENTS()}))`
              : `x.client_id in (${ALICE_CLIENTS()})`
        }`,
      );
      expect({ path, count: body.count, rows: body.results.length }).toEqual({ path, count: n, rows: 10 });
      expect(withoutSessionCheck(statements), path).toHaveLength(1);
    }
    // Past the end: the count still comes (a second statement counts).
    const past = (await alice.get('/projets/?page=99&pageSize=10')).json();
    expect(past.results).toEqual([]);
    expect(past.count).toBeGreaterThan(25);
    // Identical lists asked at the same moment count once: the other reads its page alone. (Called
    // in the same tick: the first registers its count before the second asks for it.)
    const user: AuthUser = { id: aliceId, username: 'alice', role: 'commercial', isActive: true };
    const input = { page: 1, pageSize: 10, ordering: 'titre' };
    const both = await t.countSql(() =>
      Promise.all([
        listProjets(t.orm.em.fork() as EntityManager, user, input),
        listProjets(t.orm.em.fork() as EntityManager, user, input),
      ]),
    );
    expect(both.result[1]).toEqual(both.result[0]);
    expect(both.result[0].results).toHaveLength(10);
    expect(both.statements.filter((st) => /count\(\*\)/.test(st))).toHaveLength(1);
    expect(both.statements).toHaveLength(2);
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

/** The folded search text of each searchable table (as its generated `recherche` column). */
const TEXT: Record<string, string> = {
  clients: `crm_fold(x.nom || ' ' || x.societe || ' ' || coalesce(x.email, ''))`,
  projets: `crm_fold(x.titre || ' ' || x.description)`,
  opportunites: `crm_fold(x.nom || ' ' || x.notes)`,
  taches: `crm_fold(x.titre || ' ' || x.description)`,
  devis: 'crm_fold(x.contenu)',
};
const matches = (table: string, term: string) => `strpos(${TEXT[table]}, crm_fold('${term}')) > 0`;

describe("a commercial's searches: common and rare terms, exactly the visibility rule's matches", () => {
  const viaClient = () => `x.client_id in (${ALICE_CLIENTS()})`;
  const visibleIn: Record<string, () => string> = {
    clients: () => `x.responsable_id = ${aliceId}`,
    projets: viaClient,
    opportunites: viaClient,
    taches: () => `x.assigne_a_id = ${aliceId} or x.client_id in (${ALICE_CLIENTS()})`,
    devis: () => `x.opportunite_id in (select id from opportunites where client_id in (${ALICE_CLIENTS()}))`,
  };

  it('every list, a common term (many pages) and a rare one (a handful), in its default order', async () => {
    await t.sql(`update devis set contenu = 'Devis ' || id || ' pour ' || opportunite_id`);
    const cases: Array<[path: string, table: string, common: string, rare: string, order: string]> = [
      ['/clients/', 'clients', 'client', 'client 12', 'x.date_creation desc, x.id desc'],
      ['/projets/', 'projets', 'projet', 'projet 21', 'x.date_creation desc, x.id desc'],
      ['/opportunites/', 'opportunites', 'opp', 'opp 20', 'x.date_creation desc, x.id desc'],
      ['/taches/', 'taches', 'tache', 'tache 111', 'x.date_echeance asc, x.id asc'],
      ['/devis/', 'devis', 'devis', 'devis 12', 'x.date_creation desc, x.id desc'],
    ];
    for (const [path, table, common, rare, order] of cases) {
      const many = await expected(table, visibleIn[table](), matches(table, common), order);
      expect(many.length, `${path} ${common}`).toBeGreaterThan(50);
      expect(await pages(alice, `${path}?search=${encodeURIComponent(common)}`), `${path} ${common}`).toEqual(many);
      const few = await expected(table, visibleIn[table](), matches(table, rare), order);
      expect(few.length, `${path} ${rare}`).toBeGreaterThan(0);
      expect(few.length, `${path} ${rare}`).toBeLessThan(25);
      expect(await pages(alice, `${path}?search=${encodeURIComponent(rare)}`), `${path} ${rare}`).toEqual(few);
      // Someone else's rows match the rare term too: none of them is shown.
      const all = await expected(table, 'true', matches(table, rare), order);
      expect(all.length, `${path} ${rare}`).toBeGreaterThan(few.length);
    }
  });

  it('more matches than a search collects at once: one statement for the first page, the next ones along the owner’s index', async () => {
    // 2 100 tâches on Alice's clients and 300 assigned to her on Bob's, all titled « Relance ».
    await t.sql(
      `insert into taches (titre, client_id, assigne_a_id, priorite, date_echeance, statut, position)
       select 'Relance ' || g,
              (select id from clients where responsable_id = (case when g <= 2100 then ${aliceId} else ${bobId} end)
                order by id offset g % 90 limit 1),
              case when g > 2100 then ${aliceId} end, 'moyenne', current_date + (g % 90), 'a_faire', (1200 + g) * 1024
         from generate_series(1, 2400) g`,
    );
    await t.sql('analyze taches');
    const visible = visibleIn.taches();
    for (const order of ['dateEcheance', '-priorite']) {
      const sqlOrder = order === 'dateEcheance' ? 'x.date_echeance asc, x.id asc' : `${PRIORITE} desc, x.id desc`;
      const want = await expected('taches', visible, matches('taches', 'relance'), sqlOrder);
      expect(want.length).toBe(2400);
      const first = await t.countSql(() => alice.get(`/taches/?search=relance&ordering=${order}&page=1&pageSize=25`));
      expect(first.result.json().count).toBe(2400);
      expect(first.result.json().results.map((r: { id: number }) => r.id)).toEqual(want.slice(0, 25));
      // session check + the page with its count
      expect(first.statements.length, first.statements.join('\n')).toBeLessThanOrEqual(2);
      for (const page of [2, 50, 96]) {
        const res = await alice.get(`/taches/?search=relance&ordering=${order}&page=${page}&pageSize=25`);
        expect(res.json().count).toBe(2400);
        expect(
          res.json().results.map((r: { id: number }) => r.id),
          `page ${page}`,
        ).toEqual(want.slice((page - 1) * 25, page * 25));
      }
      expect((await alice.get(`/taches/?search=relance&ordering=${order}&page=97&pageSize=25`)).json()).toMatchObject({
        count: 2400,
        results: [],
      });
    }
    // Bob sees his own « Relance » (2 100 on his clients, none assigned to Alice's) and not hers.
    const bob = await t.as('bob');
    const bobs = await expected(
      'taches',
      `x.assigne_a_id = ${bobId} or x.client_id in (select id from clients where responsable_id = ${bobId})`,
      matches('taches', 'relance'),
      'x.date_echeance asc, x.id asc',
    );
    const page1 = (await bob.get('/taches/?search=relance&pageSize=25')).json();
    expect(page1.count).toBe(bobs.length);
    expect(page1.results.map((r: { id: number }) => r.id)).toEqual(bobs.slice(0, 25));
  });

  it('a search whose count is known walks the owner’s index for its pages instead of collecting its matches again', async () => {
    // 600 « Rappel » tâches on Alice's clients: more than a handful, fewer than a search collects at once.
    await t.sql(
      `insert into taches (titre, client_id, priorite, date_echeance, statut, position)
       select 'Rappel ' || g,
              (select id from clients where responsable_id = ${aliceId} order by id offset g % 90 limit 1),
              'haute', current_date + (g % 70), 'en_cours', (5000 + g) * 1024
         from generate_series(1, 600) g`,
    );
    const want = await expected(
      'taches',
      visibleIn.taches(),
      matches('taches', 'rappel'),
      'x.date_echeance asc, x.id asc',
    );
    expect(want.length).toBe(600);
    const path = (page: number) => `/taches/?search=rappel&page=${page}&pageSize=25`;
    // The first request collects the matches and counts them in one statement.
    const first = await t.countSql(() => alice.get(path(1)));
    expect(first.result.json().count).toBe(600);
    expect(first.statements.some((s) => s.includes('as materialized'))).toBe(true);
    // The next ones know the count: two ordered branches of Alice's index ranges, nothing collected.
    for (const page of [1, 2, 24]) {
      const next = await t.countSql(() => alice.get(path(page)));
      expect(next.result.json().count).toBe(600);
      expect(next.result.json().results.map((r: { id: number }) => r.id)).toEqual(
        want.slice((page - 1) * 25, page * 25),
      );
      const pageSql = next.statements.filter((s) => s.includes('from taches'));
      expect(pageSql, pageSql.join('\n')).toHaveLength(1);
      expect(pageSql[0]).not.toContain('as materialized');
      expect(pageSql[0]).toContain(' union ');
    }
  });

  it('column totals with a search count only their rows', async () => {
    for (const [term, table, path, key, col] of [
      ['opp', 'opportunites', '/opportunites/colonnes/', 'etape', 'etape'],
      ['opp 20', 'opportunites', '/opportunites/colonnes/', 'etape', 'etape'],
      ['relance', 'taches', '/taches/colonnes/', 'statut', 'statut'],
      ['tache 11', 'taches', '/taches/colonnes/', 'statut', 'statut'],
    ] as const) {
      const rows = await t.sql<{ k: string; n: number }>(
        `select x.${col} as k, count(*)::int as n from ${table} x where (${visibleIn[table]()}) and ${matches(table, term)} group by 1`,
      );
      const want = Object.fromEntries(rows.map((r) => [r.k, r.n]));
      const res = await alice.get(`${path}?search=${encodeURIComponent(term)}`);
      expect(res.statusCode).toBe(200);
      const got = Object.fromEntries(
        res
          .json()
          .filter((c: { nombre: number }) => c.nombre > 0)
          .map((c: Record<string, any>) => [c[key], c.nombre]),
      );
      expect(got, `${path} ${term}`).toEqual(want);
    }
  });

  it('the global search shows only their rows, as many as match up to the limit', async () => {
    const types: Array<[type: string, table: string]> = [
      ['clients', 'clients'],
      ['projets', 'projets'],
      ['opportunites', 'opportunites'],
      ['taches', 'taches'],
      ['devis', 'devis'],
    ];
    for (const q of ['client', 'client 12', 'relance', 'relance 21', 'opp 20', 'projet 2', 'devis 1', 'tache 11']) {
      const res = await alice.get(`/recherche/?q=${encodeURIComponent(q)}&limite=20`);
      expect(res.statusCode, q).toBe(200);
      const groups = new Map<string, number[]>(
        res
          .json()
          .groupes.map((g: { type: string; resultats: Array<{ id: number }> }) => [
            g.type,
            g.resultats.map((r) => r.id),
          ]),
      );
      for (const [type, table] of types) {
        const words = q.split(' ');
        const visible = await expected(
          table,
          visibleIn[table](),
          words.map((w) => matches(table, w)).join(' and '),
          'x.id',
        );
        const got = groups.get(type) ?? [];
        expect(
          got.filter((id) => !visible.includes(id)),
          `${q}: ${type} not theirs`,
        ).toEqual([]);
        expect(got.length, `${q}: ${type}`).toBe(Math.min(20, visible.length));
      }
    }
  });
});
