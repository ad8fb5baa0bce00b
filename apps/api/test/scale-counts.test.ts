/**
 * List counts at scale stay exact: a big client list's count is cached (CountCache) but dropped at
 * once by writes through the API (entity flush and the raw-SQL delete). A search counts in its own
 * statement (never `count(*) over ()` beside ORDER BY … LIMIT, which made PostgreSQL walk the
 * ordering index and filter every row), exact on every page, past the end too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let big: number;

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  admin = await t.as('admin');
  big = t.deps.countCache.threshold + 5;
  await t.sql(
    `insert into clients (nom, societe) select 'Masse ' || g, case when g % 1000 = 0 then 'Rareté' else '' end from generate_series(1, ?) g`,
    [big],
  );
});
afterAll(async () => t?.close());

const count = async (path = '/clients/') => {
  const res = await admin.get(path);
  expect(res.statusCode).toBe(200);
  return res.json().count as number;
};

describe('counts of big lists', () => {
  it('caches the count of a big list: the next page request sends only the page statement', async () => {
    expect(await count()).toBe(big);
    const again = await t.countSql(() => admin.get('/clients/?page=2'));
    expect(again.result.json().count).toBe(big);
    // No Redis here, so the session is checked by SQL: session + page, no count.
    expect(again.statements).toHaveLength(2);
    expect(again.statements.filter((q) => /count\(\*\)/.test(q))).toHaveLength(0);
  });

  it('stays exact across writes through the API: create (entity) and delete (raw SQL)', async () => {
    const created = (await admin.post('/clients/', { nom: 'Nouveau' })).json();
    expect(await count()).toBe(big + 1);
    expect((await admin.delete(`/clients/${created.id}/`)).statusCode).toBe(204);
    expect(await count()).toBe(big);
    await admin.patch('/clients/1/', { categorie: 'VIP' });
    expect(await count('/clients/?categorie=VIP')).toBe(1);
  });
});

describe('counts dropped by the writes that can change them only', () => {
  it("a tâche written keeps the clients' cached count; a client written (owners copied to everything under it) drops every count", async () => {
    expect(await count()).toBe(big);
    const cached = async () =>
      (await t.countSql(() => admin.get('/clients/?page=3'))).statements.filter((q) => /count\(\*\)/.test(q)).length ===
      0;
    expect(await cached()).toBe(true);
    const client = (await admin.post('/clients/', { nom: 'Pour la tâche' })).json().id;
    expect(await count()).toBe(big + 1);
    expect(await cached()).toBe(true);
    const tache = await admin.post('/taches/', {
      titre: 'Rappeler',
      client,
      priorite: 'haute',
      dateEcheance: '2027-01-15',
    });
    expect(tache.statusCode).toBe(201);
    expect(await cached()).toBe(true);
    expect((await admin.delete(`/taches/${tache.json().id}/`)).statusCode).toBe(204);
    expect(await cached()).toBe(true);
    expect((await admin.delete(`/clients/${client}/`)).statusCode).toBe(204);
    expect(await cached()).toBe(false);
    expect(await count()).toBe(big);
  });
});

describe('counts of searches', () => {
  it('is exact on the first page, a later page and past the end', async () => {
    const first = await t.countSql(() => admin.get('/clients/?search=rarete&pageSize=4'));
    expect(first.result.json()).toMatchObject({ count: Math.floor(big / 1000) });
    expect(first.result.json().results).toHaveLength(4);
    const sqlFirst = first.statements.filter((s) => /from clients/.test(s));
    // A rare term: ONE statement collects its matches through the trigram index, counts them and
    // reads the page among them (a single index scan), whatever the page size.
    expect(sqlFirst).toHaveLength(1);
    expect(sqlFirst.filter((s) => /over \(\)/.test(s))).toHaveLength(0);
    const total = Math.floor(big / 1000);
    const last = (await admin.get(`/clients/?search=rarete&pageSize=4&page=${Math.ceil(total / 4)}`)).json();
    expect(last.count).toBe(total);
    expect(last.results).toHaveLength(total - 4 * (Math.ceil(total / 4) - 1));
    const past = (await admin.get('/clients/?search=rarete&pageSize=4&page=9')).json();
    expect(past).toMatchObject({ count: Math.floor(big / 1000), results: [] });
    expect((await admin.get('/clients/?search=introuvable')).json()).toMatchObject({ count: 0, results: [] });
  });
});

describe('filters whose matches sit at the far end of the order', () => {
  it('give the exact page in a bounded number of statements, collected when a walk along the order would not meet them', async () => {
    const n = big;
    // The 1 500 oldest clients (lowest dates) are the only VIP ones, and newest first is the order:
    // walking the date index from the newest end would pass every other client before the first match.
    await t.sql(
      `update clients set categorie = 'VIP', date_creation = now() - interval '10 years' + id * interval '1 second' where id <= 1500`,
    );
    await t.sql(
      `update clients set date_creation = now() - interval '1 year' + id * interval '1 second' where id > 1500`,
    );
    const res = await t.countSql(() => admin.get('/clients/?categorie=VIP&page=2&pageSize=10'));
    expect(res.result.json().count).toBe(1500);
    expect(res.result.json().results.map((c: any) => c.id)).toEqual(
      Array.from({ length: 10 }, (_, i) => 1500 - 10 - i),
    );
    // Count, the bounded walk that comes back short, the collected page: never more.
    const listSql = res.statements.filter((s) => /from clients/.test(s));
    expect(listSql.length).toBeLessThanOrEqual(3);
    expect(listSql.some((s) => /with m as materialized/.test(s))).toBe(true);
    // A filter spread along the order is found by the walk: the count (cached) and the page.
    await t.sql(`update clients set categorie = case when id % 3 = 0 then 'Prospect' else categorie end`);
    const spread = await t.countSql(() => admin.get('/clients/?categorie=Prospect&ordering=nom&pageSize=5'));
    const [{ prospects }] = await t.sql(`select count(*)::int as prospects from clients where categorie = 'Prospect'`);
    expect(spread.result.json().count).toBe(prospects);
    const expectedNames = (
      await t.sql(`select nom from clients where categorie = 'Prospect' order by nom, id limit 5`)
    ).map((r) => r.nom);
    expect(spread.result.json().results.map((c: any) => c.nom)).toEqual(expectedNames);
    expect(spread.statements.filter((s) => /with m as materialized/.test(s))).toHaveLength(0);
    expect(n).toBeGreaterThan(1500);
  });
});

describe('tâche filters an index serves in the default order (échéance)', () => {
  it('a priorité, an échéance range, an assignee whose tâches sit at the far end: the page in one statement after the count', async () => {
    const other = await t.user('zoe', 'commercial');
    // 6 000 tâches due day after day; the last 2 500 are the only urgent ones, the only ones due
    // after 2040-01-01 and the only ones assigned to Zoé: a walk from the start of the échéance
    // order meets none of them within its first 2 000 rows.
    await t.sql(
      `insert into taches (titre, priorite, date_echeance, assigne_a_id, statut, position)
       select 'Échéance ' || g, case when g > 3500 then 'urgente' else 'basse' end,
              date '2030-01-01' + g, case when g > 3500 then ? end, 'a_faire', g * 1024
         from generate_series(1, 6000) g`,
      [other],
    );
    await t.sql('analyze taches');
    const farStart = (await t.sql<{ d: string }>(`select to_char(date '2030-01-01' + 3501, 'YYYY-MM-DD') as d`))[0]!.d;
    for (const filter of ['priorite=urgente', `echeanceApres=${farStart}`, `assigneA=${other}`]) {
      const want = (
        await t.sql<{ id: number }>(
          `select id from taches where titre like 'Échéance %' and date_echeance >= ?::date order by date_echeance, id offset 10 limit 10`,
          [farStart],
        )
      ).map((r) => r.id);
      const res = await t.countSql(() => admin.get(`/taches/?${filter}&page=2&pageSize=10`));
      expect(res.result.json().count, filter).toBe(2500);
      expect(
        res.result.json().results.map((r: any) => r.id),
        filter,
      ).toEqual(want);
      // The count and the page: no walk of the first rows coming back empty before it (an assignee's
      // tâches, one owner's rows and nothing else: the count rides in the page's statement).
      const listSql = res.statements.filter((s) => /from taches/.test(s));
      expect(listSql, `${filter}\n${listSql.join('\n')}`).toHaveLength(filter.startsWith('assigneA') ? 1 : 2);
    }
  });
});

describe('a search whose matches all sit past the walk, more than are collected at once', () => {
  it('collects them (ids and keys through the trigram index) instead of walking the rest of the table', async () => {
    // 3 000 « Lointaine » tâches due after every other: the first 2 000 tâches in échéance order hold none.
    await t.sql(
      `insert into taches (titre, priorite, date_echeance, statut, position)
       select 'Lointaine ' || g, 'basse', date '2090-01-01' + g, 'a_faire', (100000 + g) * 1024 from generate_series(1, 3000) g`,
    );
    await t.sql('analyze taches');
    const want = (
      await t.sql<{ id: number }>(
        `select id from taches where titre like 'Lointaine %' order by date_echeance, id offset 25 limit 25`,
      )
    ).map((r) => r.id);
    const res = await t.countSql(() => admin.get('/taches/?search=lointaine&page=2&pageSize=25'));
    expect(res.result.json().count).toBe(3000);
    expect(res.result.json().results.map((r: any) => r.id)).toEqual(want);
    const listSql = res.statements.filter((s) => /from taches/.test(s));
    // The first collect (stops past 2 000), the count, the walk that comes back short, the collect.
    expect(listSql.length, listSql.join('\n')).toBeLessThanOrEqual(4);
    expect(listSql.at(-1)).toContain('as materialized');
    const walks = (statements: string[]) => statements.filter((s) => s.includes('(select * from taches t'));
    expect(walks(listSql)).toHaveLength(1);
    // The same page again: collected at once, without the walk that came back short.
    const again = await t.countSql(() => admin.get('/taches/?search=lointaine&page=2&pageSize=25'));
    expect(again.result.json().results.map((r: any) => r.id)).toEqual(want);
    expect(walks(again.statements)).toHaveLength(0);
    expect(again.statements.filter((s) => /from taches/.test(s)).at(-1)).toContain('as materialized');
  });
});

describe('search plans at scale (chosen from the count) give the same answers', () => {
  const expected = async (pattern: string, order: string, limit: number) =>
    (
      await t.sql(
        `select nom from clients where crm_fold(nom || ' ' || societe || ' ' || coalesce(email, '')) like ? order by ${order} limit ${limit}`,
        [pattern],
      )
    ).map((r) => r.nom);

  it('many matches (walks the order), few matches (collects through the trigram index), a one-letter term (count cached)', async () => {
    const many = (await admin.get('/clients/?search=MASSE&ordering=nom&pageSize=5&page=2')).json();
    const [{ n }] = await t.sql(`select count(*)::int as n from clients where nom like 'Masse%'`);
    expect(n).toBeGreaterThan(2000);
    expect(many.count).toBe(n);
    expect(many.results.map((c: any) => c.nom)).toEqual((await expected('%masse%', 'nom, id', 10)).slice(5));
    const few = (await admin.get('/clients/?search=masse%20999&ordering=-nom')).json();
    expect(few.results.map((c: any) => c.nom)).toEqual(await expected('%masse 999%', 'nom desc, id desc', 25));
    expect(few.count).toBe(few.results.length);
    const letter = await t.countSql(() => admin.get('/clients/?search=7&pageSize=3'));
    const [{ sevens }] = await t.sql(`select count(*)::int as sevens from clients where nom like '%7%'`);
    expect(letter.result.json().count).toBe(sevens);
    const again = await t.countSql(() => admin.get('/clients/?search=7&pageSize=3&page=2'));
    expect(again.statements.filter((s) => /count\(\*\)/.test(s))).toHaveLength(0);
  });

  it('treats % and _ literally', async () => {
    await admin.post('/clients/', { nom: 'Remise 50%' });
    await admin.post('/clients/', { nom: 'Remise 500' });
    await admin.post('/clients/', { nom: 'Code a_b' });
    await admin.post('/clients/', { nom: 'Code axb' });
    expect((await admin.get('/clients/?search=50%25')).json().results.map((c: any) => c.nom)).toEqual(['Remise 50%']);
    expect((await admin.get('/clients/?search=a_b')).json().results.map((c: any) => c.nom)).toEqual(['Code a_b']);
  });
});
