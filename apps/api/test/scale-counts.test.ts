/**
 * List counts at scale stay exact: a big client list's count is cached (CountCache) but dropped at
 * once by writes through the API (entity flush and the raw-SQL delete), and a search returns its
 * count with the page in one statement, exact on every page, past the end too.
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
  big = t.deps.countCaches.clients.threshold + 5;
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

describe('counts of searches (one statement)', () => {
  it('is exact on the first page, a later page and past the end', async () => {
    const first = await t.countSql(() => admin.get('/clients/?search=rarete&pageSize=4'));
    expect(first.result.json()).toMatchObject({ count: Math.floor(big / 1000) });
    expect(first.result.json().results).toHaveLength(4);
    const sqlFirst = first.statements.filter((s) => /from clients/.test(s));
    expect(sqlFirst).toHaveLength(1);
    const total = Math.floor(big / 1000);
    const last = (await admin.get(`/clients/?search=rarete&pageSize=4&page=${Math.ceil(total / 4)}`)).json();
    expect(last.count).toBe(total);
    expect(last.results).toHaveLength(total - 4 * (Math.ceil(total / 4) - 1));
    const past = (await admin.get('/clients/?search=rarete&pageSize=4&page=9')).json();
    expect(past).toMatchObject({ count: Math.floor(big / 1000), results: [] });
    expect((await admin.get('/clients/?search=introuvable')).json()).toMatchObject({ count: 0, results: [] });
  });
});
