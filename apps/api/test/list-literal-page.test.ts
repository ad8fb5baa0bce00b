import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { literalPage } from '../src/services/listing.js';
import { startTestApp, type TestApp } from './helpers.js';

describe('first pages of lists are planned once (their limit and offset written in the statement)', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<TestApp['as']>>;
  beforeAll(async () => {
    // One connection: the statements the API prepares are those this test's queries see.
    t = await startTestApp({ poolMax: 1 });
    await t.user('lp-admin', 'admin');
    admin = await t.as('lp-admin');
    const client = (await admin.post('/clients/', { nom: 'Pages' })).json().id;
    for (let i = 0; i < 30; i++) {
      const res = await admin.post('/taches/', {
        titre: `Tâche ${i}`,
        priorite: 'moyenne',
        client,
        dateEcheance: '2030-01-01',
      });
      expect(res.statusCode).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  const prepared = async (pattern: string) =>
    t.sql(
      `select statement, generic_plans::int as generic, custom_plans::int as custom from pg_prepared_statements where statement like ?`,
      [pattern],
    );

  it('the first page of tâches (every ordering) runs on a generic plan after the first executions', async () => {
    for (let i = 0; i < 8; i++) {
      const res = await admin.get('/taches/?ordering=-priorite');
      expect(res.statusCode).toBe(200);
      expect(res.json().results).toHaveLength(25);
    }
    const rows = await prepared('%from taches t%limit 25 offset 0%');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.generic).toBeGreaterThanOrEqual(2);
    // (No statement of this list left with its page as parameters.)
    expect(await prepared('%from taches t%limit $% offset $%')).toEqual([]);
    // Page 2 has its own statement, with its own offset; the rows are the rest of the list.
    const second = (await admin.get('/taches/?ordering=-priorite&page=2')).json();
    expect(second.results).toHaveLength(5);
    expect(await prepared('%from taches t%limit 25 offset 25%')).toHaveLength(1);
  });

  it('a search keeps its page as parameters (its plan may depend on the term); so do far pages and odd sizes', async () => {
    expect((await admin.get('/taches/?search=tache')).statusCode).toBe(200);
    expect((await admin.get('/taches/?page=6&pageSize=5')).json().results).toHaveLength(5);
    expect((await admin.get('/taches/?page=4&pageSize=5')).json().results).toHaveLength(5);
    expect((await admin.get('/taches/?page=4&pageSize=10')).json().results).toHaveLength(0);
    expect((await admin.get('/taches/?pageSize=7')).json().results).toHaveLength(7);
    const rows = await prepared('%from taches t%');
    expect(rows.some((r) => /limit \$\d+ offset \$\d+/.test(r.statement))).toBe(true);
    expect(
      rows.some((r) => /limit 5 offset 25|limit 5 offset 15|limit 10 offset 30|limit 7 offset 0/.test(r.statement)),
    ).toBe(false);
  });

  it('a search tested in its plain form only (a walk along the order: a one-letter term) writes its page too', async () => {
    for (let i = 0; i < 7; i++) expect((await admin.get('/taches/?search=e')).json().results).toHaveLength(25);
    const rows = await prepared('%from taches t%strpos(%limit 25 offset 0%');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.generic).toBeGreaterThanOrEqual(1);
  });

  it('literalPage writes the last page clause and takes out exactly its two parameters', () => {
    expect(literalPage('select 1 where a = ? limit ? offset ? and b = ?', ['x', 25, 50, 'y'], 25, 50)).toEqual({
      text: 'select 1 where a = ? limit 25 offset 50 and b = ?',
      params: ['x', 'y'],
    });
    // Parameters that are not the page's where the clause is: left as they are.
    expect(literalPage('select 1 where a = ? limit ? offset ?', [25, 'x', 0], 25, 0)).toEqual({
      text: 'select 1 where a = ? limit ? offset ?',
      params: [25, 'x', 0],
    });
    expect(literalPage('select 1', [], 25, 0)).toEqual({ text: 'select 1', params: [] });
    // Only integers are written into a statement.
    const odd = literalPage('select 1 limit ? offset ?', ['1; drop table x', 0], '1; drop table x' as never, 0);
    expect(odd.text).toBe('select 1 limit ? offset ?');
    expect(literalPage('select 1 limit ? offset ?', [25, 0.5], 25, 0.5).text).toBe('select 1 limit ? offset ?');
  });
});
