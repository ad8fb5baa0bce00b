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
  await t.sql(`insert into clients (nom, societe) select 'Masse ' || g, case when g % 1000 = 0 then 'Rareté' else '' end from generate_series(1, ?) g`, [big]);
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

describe('counts of searches', () => {
  it('is exact on the first page, a later page and past the end', async () => {
    const first = await t.countSql(() => admin.get('/clients/?search=rarete&pageSize=4'));
    expect(first.result.json()).toMatchObject({ count: Math.floor(big / 1000) });
    expect(first.result.json().results).toHaveLength(4);
    const sqlFirst = first.statements.filter((s) => /from clients/.test(s));
    // The count, then the page: a fixed two statements whatever the page size.
    expect(sqlFirst).toHaveLength(2);
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

describe('search plans at scale (chosen from the count) give the same answers', () => {
  const expected = async (pattern: string, order: string, limit: number) =>
    (await t.sql(`select nom from clients where crm_fold(nom || ' ' || societe || ' ' || coalesce(email, '')) like ? order by ${order} limit ${limit}`, [pattern])).map((r) => r.nom);

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
