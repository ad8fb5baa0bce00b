import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;

// One pooled connection: the test's own reads see the prepared statements of the requests.
beforeAll(async () => {
  t = await startTestApp({ poolMax: 1 });
  await t.user('admin', 'admin');
  admin = await t.as('admin');
  for (const nom of ['Dupont Anne', 'Durand Paul', 'Dubois Léa']) await admin.post('/clients/', { nom });
});
afterAll(async () => t?.close());

it('a list statement is prepared once per connection and its plan reused, whatever the term', async () => {
  const terms = ['dupo', 'dura', 'dubo', 'anne', 'paul', 'léa', 'zzz'];
  for (const term of terms) {
    const res = await admin.get(`/clients/?search=${encodeURIComponent(term)}`);
    expect(res.statusCode).toBe(200);
  }
  const prepared = await t.sql<{ n: number }>(
    `select (generic_plans + custom_plans)::int as n from pg_prepared_statements
      where statement like '%from clients c%' and statement like '%recherche like%'`,
  );
  // One statement for the seven terms, executed seven times (not one statement per term).
  expect(prepared).toEqual([{ n: terms.length }]);
  expect((await admin.get('/clients/?search=dupo')).json().results.map((c: any) => c.nom)).toEqual(['Dupont Anne']);
});
