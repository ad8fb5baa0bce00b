import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers.js';

type Http = Awaited<ReturnType<TestApp['as']>>;

describe("a commercial's filtered lists: their small count is kept until the next write (counting reads their rows and the heap)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  const counts = (statements: string[]) => statements.filter((s) => /^select count\(\*\)/.test(s.trim())).length;

  /**
   * `url` is counted at the first request (`n`), read from the count cache at the second (its page
   * still read), and counted again, exact (`n + 1`), after `write` adds a matching row.
   */
  async function keptUntilWrite(as: Http, url: string, n: number, table: string, write: () => Promise<number>) {
    const first = await t.countSql(() => as.get(url));
    expect(first.result.json().count).toBe(n);
    expect(counts(first.statements)).toBe(1);
    const second = await t.countSql(() => as.get(url));
    expect(second.result.json().count).toBe(n);
    expect(counts(second.statements)).toBe(0);
    expect(second.statements.some((s) => s.includes(`from ${table} `))).toBe(true);
    expect(await write()).toBe(201);
    const after = await t.countSql(() => as.get(url));
    expect(after.result.json().count).toBe(n + 1);
    expect(counts(after.statements)).toBe(1);
  }

  const TACHES_URL = '/taches/?echeanceAvant=2030-12-31&pageSize=10';

  it('tâches (an `or` of owners: assignee or owner), then an admin’s small count is still counted at each request', async () => {
    await t.user('cc-alice', 'commercial');
    const alice = await t.as('cc-alice');
    const client = (await alice.post('/clients/', { nom: 'Compte' })).json().id;
    for (let i = 0; i < 30; i++) {
      const res = await alice.post('/taches/', {
        titre: `Tâche ${i}`,
        priorite: 'moyenne',
        client,
        dateEcheance: i < 20 ? '2030-01-01' : '2031-06-01',
      });
      expect(res.statusCode).toBe(201);
    }
    await keptUntilWrite(alice, TACHES_URL, 20, 'taches', async () => {
      const res = await alice.post('/taches/', {
        titre: 'Une de plus',
        priorite: 'haute',
        client,
        dateEcheance: '2030-02-01',
      });
      return res.statusCode;
    });

    // An admin's filtered list (no owner in its where) keeps counting a small count at each request.
    await t.user('cc-admin', 'admin');
    const admin = await t.as('cc-admin');
    const [{ n }] = await t.sql(`select count(*)::int as n from taches where date_echeance <= '2030-12-31'`);
    expect(n).toBe(21);
    for (let i = 0; i < 2; i++) {
      const r = await t.countSql(() => admin.get(TACHES_URL));
      expect(r.result.json().count).toBe(n);
      expect(counts(r.statements)).toBe(1);
    }
  });

  it('opportunités (one owner and a filter)', async () => {
    await t.user('cc-bob', 'commercial');
    const bob = await t.as('cc-bob');
    const client = (await bob.post('/clients/', { nom: 'Compte B' })).json().id;
    for (let i = 0; i < 12; i++) {
      const res = await bob.post('/opportunites/', { nom: `Affaire ${i}`, client, montant: 100 * i });
      expect(res.statusCode).toBe(201);
    }
    await keptUntilWrite(
      bob,
      '/opportunites/?montantMin=500&pageSize=10',
      7,
      'opportunites',
      async () => (await bob.post('/opportunites/', { nom: 'Grosse affaire', client, montant: 9000 })).statusCode,
    );
  });
});
