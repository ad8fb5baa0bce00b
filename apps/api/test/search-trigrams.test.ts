/**
 * What a list search asks the trigram index (services/commonTrigrams.ts, refineSearches and the
 * admin's generic plan in services/listing.ts): on a big table, a term holding trigrams that most
 * rows share (« contact » in every e-mail) is looked up by its rare part and checked whole on the
 * rows found, with the same answers; an admin's search alone is planned once, not per term.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_ROWS, rareParts, refreshCommonTrigrams, trigramShares } from '../src/services/commonTrigrams.js';
import { startTestApp, withoutSessionCheck, type RestClient, type TestApp } from './helpers.js';

describe('rareParts', () => {
  const shares = new Map<string, number>([
    ...['con', 'ont', 'nta', 'tac', 'act', 'ber', 'erb', 'rbe'].map((t) => [t, 1] as [string, number]),
    ['ct1', 0.11],
    ['t12', 0.011],
    ['dub', 0.3],
    ['ube', 0.3],
    ['lan', 0.01],
  ]);

  it('keeps the runs of trigrams below the common share, cut at common trigrams and word ends, in order', () => {
    expect(rareParts('contact12345@', shares)).toEqual(['t12345']);
    expect(rareParts('contact 98765', shares)).toEqual(['98765']);
    // « lanbe » is selective (lan in 1 % of the rows); « zoe » goes along.
    expect(rareParts('lanberber zoe', shares)).toEqual(['lanbe', 'zoe']);
  });

  it('cuts apart two runs that share a character, so that `%part%part%` still matches the term', () => {
    const names = new Map<string, number>([
      ['mar', 0.5],
      ['arl', 0.5],
      ['rla', 0.01],
      ['lan', 0.5],
      ['anc', 0.01],
      ['nch', 0.01],
      ['cha', 0.5],
    ]);
    // Runs « rla » (positions 2–4) and « anch » (4–7) share the « a » at 4.
    const parts = rareParts('marlancha', names);
    expect(parts).toEqual(['rla', 'nch']);
    const like = new RegExp(`^.*${parts!.join('.*')}.*$`);
    expect(like.test('marlancha')).toBe(true);
    // A run left without a trigram once cut is dropped: « rla » then « an » (from « anc » alone).
    expect(rareParts('marlanx', new Map([...names, ['anx', 0.05]]))).toEqual(['rla']);
  });

  it('leaves the term whole when nothing is common, nothing is rare, or the rare part is not selective', () => {
    expect(rareParts('zoe martin', shares)).toBeNull(); // no common trigram
    expect(rareParts('contact', shares)).toBeNull(); // only common ones
    expect(rareParts('duberber', shares)).toBeNull(); // « dube »: dub and ube in 30 % of the rows
    // Two runs each in 5 % of the rows: 0.25 % together (as if independent), selective; one alone is not.
    const fives = new Map<string, number>([
      ['abc', 0.05],
      ['bcx', 0.5],
      ['cxd', 0.5],
      ['xde', 0.5],
      ['def', 0.05],
    ]);
    expect(rareParts('abcxdef', fives)).toEqual(['abc', 'def']);
    expect(rareParts('abcxde', fives)).toBeNull();
    expect(rareParts('contact12345@', new Map())).toBeNull(); // no statistics yet
    expect(rareParts('ab', shares)).toBeNull();
  });
});

describe('searches on a big table', () => {
  let t: TestApp;
  let admin: RestClient;
  const ROWS = MIN_ROWS + 2_000;

  beforeAll(async () => {
    // One pooled connection: the test's reads of pg_prepared_statements see the requests' statements.
    t = await startTestApp({ poolMax: 1 });
    await t.user('admin', 'admin');
    admin = await t.as('admin');
    await t.sql(
      `insert into clients (nom, email) select 'Client ' || g, 'contact' || g || '@client' || g || '.example.fr'
         from generate_series(1, ?) g`,
      [ROWS],
    );
    await t.sql('analyze clients');
    await refreshCommonTrigrams(t.orm.em.fork(), 'clients');
  }, 120_000);
  afterAll(async () => t?.close());

  const search = (term: string) =>
    t.countSql(() => admin.get(`/clients/?search=${encodeURIComponent(term)}&pageSize=100`));

  it('asks the index for the rare parts of an e-mail and answers exactly the matches of the whole term', async () => {
    const refined = ['contact12345@', 'CONTACT777@', 'contact1999@client1999'];
    // The last one is looked up by two parts (`%…1999%…1999%`: the number in the address and in the domain).
    expect(rareParts('contact1999@client1999', trigramShares(t.orm.em.fork(), 'clients'))?.length).toBe(2);
    for (const term of [...refined, 'contact2000', 'contact', 'client 42']) {
      const { result, statements } = await search(term);
      expect(result.statusCode).toBe(200);
      // The index lookup of the rare part and the whole term's check (before: `c.recherche like ?` alone).
      if (refined.includes(term))
        expect(withoutSessionCheck(statements)[0]).toMatch(
          /\(c\.recherche like \? and strpos\(c\.recherche, \?\) > 0\)/,
        );
      const expected = await t.sql<{ id: number }>(
        `select id from clients where strpos(recherche, crm_fold(?)) > 0 order by date_creation desc, id desc limit 100`,
        [term],
      );
      expect(result.json().results.map((c: { id: number }) => c.id)).toEqual(expected.map((r) => r.id));
      const [{ n }] = await t.sql<{ n: number }>(
        `select count(*)::int as n from clients where strpos(recherche, crm_fold(?)) > 0`,
        [term],
      );
      expect(result.json().count).toBe(n);
    }
  });

  it('keeps the whole term for a term without common trigrams', async () => {
    const { result, statements } = await search('Client 12345');
    expect(result.statusCode).toBe(200);
    expect(result.json().results.map((c: { nom: string }) => c.nom)).toEqual(['Client 12345']);
    // « client 12345 » has a selective word (a number): its own form, unchanged.
    expect(withoutSessionCheck(statements)[0]).toMatch(/strpos/);
  });

  it("plans an admin's search alone once for every term (generic plan), not once per term", async () => {
    const terms = ['contact11', 'contact22', 'contact33@', 'contact44', 'contact55', 'contact66', 'contact77'];
    for (const term of terms) expect((await admin.get(`/clients/?search=${term}`)).statusCode).toBe(200);
    const [plans] = await t.sql<{ generic: number; custom: number }>(
      `select sum(generic_plans)::int as generic, sum(custom_plans)::int as custom from pg_prepared_statements
        where statement like '%from clients c%' and statement like '%strpos(c.recherche%' and statement like '%limit 2001%'`,
    );
    expect(plans.custom).toBe(0);
    expect(plans.generic).toBeGreaterThanOrEqual(terms.length);
  });
});

describe('searches on a small table', () => {
  it('are not refined (every posting list is short): the whole term goes to the index', async () => {
    const t = await startTestApp();
    try {
      await t.user('admin', 'admin');
      const admin = await t.as('admin');
      await t.sql(
        `insert into clients (nom, email) select 'Client ' || g, 'contact' || g || '@example.fr' from generate_series(1, 300) g`,
      );
      await t.sql('analyze clients');
      await refreshCommonTrigrams(t.orm.em.fork(), 'clients');
      const { result, statements } = await t.countSql(() => admin.get('/clients/?search=contact123@'));
      expect(result.json().results.map((c: { nom: string }) => c.nom)).toEqual(['Client 123']);
      expect(withoutSessionCheck(statements)[0]).not.toMatch(/strpos/);
    } finally {
      await t.close();
    }
  });
});
