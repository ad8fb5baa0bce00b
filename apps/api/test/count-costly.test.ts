import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers.js';

describe("a commercial's filtered tâches: their count (an `or` of owners) is kept until the next write, even small", () => {
  let t: TestApp;
  let alice: Awaited<ReturnType<TestApp['as']>>;
  let client: number;
  beforeAll(async () => {
    t = await startTestApp();
    await t.user('cc-alice', 'commercial');
    alice = await t.as('cc-alice');
    client = (await alice.post('/clients/', { nom: 'Compte' })).json().id;
    for (let i = 0; i < 30; i++) {
      const res = await alice.post('/taches/', {
        titre: `Tâche ${i}`,
        priorite: 'moyenne',
        client,
        dateEcheance: i < 20 ? '2030-01-01' : '2031-06-01',
      });
      expect(res.statusCode).toBe(201);
    }
  });
  afterAll(async () => t?.close());

  const counts = (statements: string[]) => statements.filter((s) => /^select count\(\*\)/.test(s.trim())).length;
  const URL = '/taches/?echeanceAvant=2030-12-31&pageSize=10';

  it('counted once, then read from the count cache; exact again after a write', async () => {
    const first = await t.countSql(() => alice.get(URL));
    expect(first.result.json().count).toBe(20);
    expect(counts(first.statements)).toBe(1);
    const second = await t.countSql(() => alice.get(URL));
    expect(second.result.json().count).toBe(20);
    expect(counts(second.statements)).toBe(0);
    expect(second.statements.some((s) => /from taches t/.test(s))).toBe(true);

    expect(
      (await alice.post('/taches/', { titre: 'Une de plus', priorite: 'haute', client, dateEcheance: '2030-02-01' }))
        .statusCode,
    ).toBe(201);
    const after = await t.countSql(() => alice.get(URL));
    expect(after.result.json().count).toBe(21);
    expect(counts(after.statements)).toBe(1);
  });

  it("an admin's filtered list (no `or` of owners) keeps counting a small count at each request", async () => {
    await t.user('cc-admin', 'admin');
    const admin = await t.as('cc-admin');
    const [{ n }] = await t.sql(`select count(*)::int as n from taches where date_echeance <= '2030-12-31'`);
    expect(n).toBeGreaterThanOrEqual(20);
    for (let i = 0; i < 2; i++) {
      const r = await t.countSql(() => admin.get(URL));
      expect(r.result.json().count).toBe(n);
      expect(counts(r.statements)).toBe(1);
    }
  });
});

describe("a commercial's filtered opportunités (one owner and a filter): their small count is kept until the next write", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => t?.close());

  it('counted once, exact after a write', async () => {
    await t.user('cc-bob', 'commercial');
    const bob = await t.as('cc-bob');
    const client = (await bob.post('/clients/', { nom: 'Compte B' })).json().id;
    for (let i = 0; i < 12; i++)
      expect((await bob.post('/opportunites/', { nom: `Affaire ${i}`, client, montant: 100 * i })).statusCode).toBe(
        201,
      );
    const url = '/opportunites/?montantMin=500&pageSize=10';
    const counted = (s: string[]) => s.filter((x) => /^select count\(\*\)/.test(x.trim())).length;
    const first = await t.countSql(() => bob.get(url));
    expect(first.result.json().count).toBe(7);
    expect(counted(first.statements)).toBe(1);
    const second = await t.countSql(() => bob.get(url));
    expect(second.result.json().count).toBe(7);
    expect(counted(second.statements)).toBe(0);
    expect((await bob.post('/opportunites/', { nom: 'Grosse affaire', client, montant: 9000 })).statusCode).toBe(201);
    const after = await t.countSql(() => bob.get(url));
    expect(after.result.json().count).toBe(8);
    expect(counted(after.statements)).toBe(1);
  });
});
