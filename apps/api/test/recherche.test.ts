import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { crmFold } from '../src/lib/sql/fold.js';
import { readWithSettings, sql } from '../src/lib/sql/runner.js';
import { initOrm, type EntityManager } from '@crm/db';
import type { AuthUser } from '../src/auth/sessions.js';
import { type Form, loadSearchSamples, recherche } from '../src/services/recherche.js';
import { samplesOf } from '../src/services/rechercheEstimate.js';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

let t: TestApp;
let admin: RestClient;
let alice: RestClient; // commercial
let bob: RestClient; // commercial
let lefevre: number; // alice's
let dupont: number; // bob's
let devisId: number;

const q = (c: RestClient, text: string, extra = '') => c.get(`/recherche/?q=${encodeURIComponent(text)}${extra}`);
const group = (body: any, type: string) => body.groupes.find((g: any) => g.type === type)?.resultats ?? [];

beforeAll(async () => {
  t = await startTestApp();
  await t.user('admin', 'admin');
  await t.user('alice', 'commercial');
  await t.user('bob', 'commercial');
  [admin, alice, bob] = await Promise.all([t.as('admin'), t.as('alice'), t.as('bob')]);
  lefevre = (
    await alice.post('/clients/', { nom: 'Lefèvre Hélène', societe: 'Boulangerie Lefèvre', email: 'helene@lefevre.fr' })
  ).json().id;
  await alice.post('/clients/', { nom: 'Garage Morlef', societe: 'Morlef SARL' });
  dupont = (await bob.post('/clients/', { nom: 'Dupont Lefranc', societe: 'Secret Industrie' })).json().id;
  const opp = (
    await alice.post('/opportunites/', { nom: 'Fournitures Lefèvre', client: lefevre, montant: 1200, probabilite: 50 })
  ).json().id;
  await bob.post('/opportunites/', { nom: 'Contrat secret Dupont', client: dupont, montant: 500, probabilite: 10 });
  await alice.post('/projets/', { titre: 'Vitrine boulangerie', description: 'Pour Lefèvre', client: lefevre });
  await alice.post('/taches/', {
    titre: 'Rappeler Hélène',
    client: lefevre,
    priorite: 'haute',
    dateEcheance: '2027-01-15',
  });
  await bob.post('/taches/', {
    titre: 'Rappeler Dupont (secret)',
    client: dupont,
    priorite: 'basse',
    dateEcheance: '2027-01-15',
  });
  devisId = (
    await admin.post('/devis/', { opportunite: opp, montant: 990, contenu: 'Pains spéciaux pour la vitrine' })
  ).json().id;
});
afterAll(async () => t?.close());

describe('GET /api/recherche/', () => {
  it('finds across types, accent- and case-insensitive, by prefix (« lef » finds Lefèvre), grouped by type', async () => {
    const res = await q(admin, 'lef');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.q).toBe('lef');
    expect(body.groupes.map((g: any) => g.type)).toEqual([
      'clients',
      'contacts',
      'opportunites',
      'projets',
      'taches',
      'devis',
    ]);
    expect(body.groupes[0].libelle).toBe('Clients');
    // Relevance: name starts with it, then a word starts with it, then it is inside a word.
    expect(group(body, 'clients').map((h: any) => h.titre)).toEqual([
      'Lefèvre Hélène',
      'Dupont Lefranc',
      'Garage Morlef',
    ]);
    expect(group(body, 'clients')[0]).toMatchObject({
      id: lefevre,
      sousTitre: 'Boulangerie Lefèvre · helene@lefevre.fr',
    });
    expect(group(body, 'clients')[0].date).toMatch(/Z$/);
    expect(group(body, 'opportunites')[0]).toMatchObject({
      titre: 'Fournitures Lefèvre',
      sousTitre: 'Lefèvre Hélène · Prospect',
    });
    expect(group(body, 'projets').map((h: any) => h.titre)).toEqual(['Vitrine boulangerie']);
    // Accents and case folded on both sides; every word must appear.
    expect(group((await q(admin, 'HÉLÈNE rappe')).json(), 'taches').map((h: any) => h.titre)).toEqual([
      'Rappeler Hélène',
    ]);
    expect(group((await q(admin, 'helene lefevre')).json(), 'clients').map((h: any) => h.id)).toEqual([lefevre]);
    expect(group((await q(admin, 'spéciaux')).json(), 'devis')).toEqual([
      expect.objectContaining({
        id: devisId,
        titre: `Devis n° ${devisId} v1`,
        sousTitre: 'Fournitures Lefèvre · Lefèvre Hélène · Brouillon',
      }),
    ]);
  });

  it('newest first inside a tier, at most `limite` per type', async () => {
    const ids: number[] = [];
    for (const n of [1, 2, 3]) ids.push((await alice.post('/clients/', { nom: `Zébulon ${n}` })).json().id);
    await t.sql(`update clients set date_creation = now() - (id || ' minutes')::interval where id in (?, ?, ?)`, ids);
    const hits = group((await q(admin, 'zeb', '&limite=2')).json(), 'clients');
    expect(hits.map((h: any) => h.id)).toEqual([ids[0], ids[1]]);
    expect((await q(admin, 'zeb', '&limite=21')).statusCode).toBe(400);
  });

  it('newest first among more matches than the index hands over at once (a broad term: exact, not the oldest thousand)', async () => {
    // 3 200 clients and projets matching « xylo » (more than any tier reads through the search index), inserted oldest first (the table's physical order,
    // which is the order an index bitmap hands rows over in), visible to alice.
    const aliceId = (await t.sql<{ id: number }>(`select id from users where username = 'alice'`))[0]!.id;
    await t.sql(
      `insert into clients (nom, responsable_id, date_creation, date_modification)
       select 'Xylophone ' || i, ?, now() - ((4000 - i) || ' minutes')::interval, now() from generate_series(1, 3200) i`,
      [aliceId],
    );
    await t.sql(
      `insert into projets (titre, client_id, date_creation, date_modification)
       select 'Xylographie ' || i, ?, now() - ((4000 - i) || ' minutes')::interval, now() from generate_series(1, 3200) i`,
      [lefevre],
    );
    // One more match, the newest of all, but only as a word inside the text (the third tier).
    await t.sql(`insert into clients (nom, responsable_id) values ('Atelier Bixylo', ?)`, [aliceId]);
    for (const c of [admin, alice]) {
      const body = (await q(c, 'xylo', '&limite=3')).json();
      expect(group(body, 'clients').map((h: any) => h.titre)).toEqual([
        'Xylophone 3200',
        'Xylophone 3199',
        'Xylophone 3198',
      ]);
      expect(group(body, 'projets').map((h: any) => h.titre)).toEqual([
        'Xylographie 3200',
        'Xylographie 3199',
        'Xylographie 3198',
      ]);
    }
    // The third tier too: « ylop » is inside every name, none starts a word with it.
    expect(group((await q(admin, 'ylop', '&limite=2')).json(), 'clients').map((h: any) => h.titre)).toEqual([
      'Xylophone 3200',
      'Xylophone 3199',
    ]);
    expect(group((await q(bob, 'xylo')).json(), 'clients')).toEqual([]);
    // A broad term the estimate did not see coming (the sample predates these rows) costs one
    // statement more (the walk), whatever the number of broad tiers.
    const searches = (statements: string[]) =>
      statements.filter((s) => s.includes('union all') && !s.includes('reltuples'));
    const { statements } = await t.countSql(() => q(admin, 'xylo'));
    expect(searches(statements)).toHaveLength(2);
    // With a sample of the data as it is now, the term is known to be dense: walked at once, in
    // one statement, with the same hits.
    samplesOf(t.orm.em.fork() as EntityManager).reset();
    await loadSearchSamples(t.orm.em.fork() as EntityManager);
    const fresh = await t.countSql(() => q(admin, 'xylo', '&limite=3'));
    expect(group(fresh.result.json(), 'clients').map((h: any) => h.titre)).toEqual([
      'Xylophone 3200',
      'Xylophone 3199',
      'Xylophone 3198',
    ]);
    expect(searches(fresh.statements)).toHaveLength(1);
  });

  it('reads a tier estimated at up to 2 000 matches whole through the search index: exact, in one statement, no walk', async () => {
    // 1 500 projets matching « quokka », oldest first (a bitmap hands them over in that order): more
    // than the 1 000 candidates a tier reads by default, which made the term broad and walked by date.
    await t.sql(
      `insert into projets (titre, client_id, date_creation, date_modification)
       select 'Quokka ' || i, ?, now() - ((3000 - i) || ' minutes')::interval, now() from generate_series(1, 1500) i`,
      [lefevre],
    );
    samplesOf(t.orm.em.fork() as EntityManager).reset();
    await loadSearchSamples(t.orm.em.fork() as EntityManager);
    const [row] = await t.sql<AuthUser & { is_active: boolean }>(
      `select id, username, role, is_active from users where username = 'admin'`,
    );
    const admin: AuthUser = { id: row!.id, username: row!.username, role: row!.role, isActive: row!.is_active };
    // (The walk's statement is the one ordering by the creation date with WINDOW rows.)
    const walks = (statements: string[]) => statements.filter((s) => /limit 5000\)/.test(s));
    for (const form of ['anded', 'fenced'] as Form[]) {
      const { result, statements } = await t.countSql(() =>
        recherche(t.orm.em.fork() as EntityManager, admin, { q: 'quokka', limite: 3 }, { form }),
      );
      expect(group(result, 'projets').map((h: any) => h.titre)).toEqual(['Quokka 1500', 'Quokka 1499', 'Quokka 1498']);
      expect({ form, statements: statements.length, walks: walks(statements).length }).toEqual({
        form,
        statements: 1,
        walks: 0,
      });
    }
  });

  it('devis by number; short queries look up numbers only; wildcards are plain text', async () => {
    expect(group((await q(admin, String(devisId))).json(), 'devis').map((h: any) => h.id)).toEqual([devisId]);
    expect(group((await q(admin, `D${devisId}`)).json(), 'devis').map((h: any) => h.id)).toEqual([devisId]);
    expect((await q(admin, 'le')).json().groupes).toEqual([]);
    const wild = (await q(admin, '%%%')).json();
    expect(wild.groupes.every((g: any) => g.resultats.length === 0)).toBe(true);
    expect((await q(admin, "l'e'f\\")).statusCode).toBe(200);
  });

  it('a commercial only finds what they may see', async () => {
    const body = (await q(alice, 'secret')).json();
    expect(body.groupes.flatMap((g: any) => g.resultats)).toEqual([]);
    const dup = (await q(alice, 'dupont')).json();
    expect(dup.groupes.flatMap((g: any) => g.resultats)).toEqual([]);
    // Bob sees his own, including the tâche assigned to him.
    const bobs = (await q(bob, 'secret')).json();
    expect(group(bobs, 'clients').map((h: any) => h.id)).toEqual([dupont]);
    expect(group(bobs, 'opportunites')).toHaveLength(1);
    expect(group(bobs, 'taches')).toHaveLength(1);
    expect(group((await q(alice, 'lef')).json(), 'clients').map((h: any) => h.titre)).toEqual([
      'Lefèvre Hélène',
      'Garage Morlef',
    ]);
  });

  it('validates q, needs authentication, and runs a fixed number of statements', async () => {
    const missing = await admin.get('/recherche/');
    expect(missing.statusCode).toBe(400);
    expect(Object.keys(missing.json().fieldErrors)).toEqual(['q']);
    expect((await q(admin, 'x'.repeat(101))).statusCode).toBe(400);
    expect((await t.anonymous().get('/recherche/?q=lef')).statusCode).toBe(401);
    const { statements } = await t.countSql(() => q(admin, 'lef'));
    // One search statement (both tiers), sent with its begin, local settings and commit in one message.
    const searches = statements.filter((s) => s.includes('union all'));
    expect(searches).toHaveLength(1);
    expect(statements.filter((s) => /^(begin|commit)\b/.test(s))).toEqual([]);
  });

  it('finds contacts by name and e-mail, visible like their client, with their client to open', async () => {
    const theo = (
      await alice.post(`/clients/${lefevre}/contacts/`, { prenom: 'Théo', nom: 'Lefort', email: 'theo@boulangerie.fr' })
    ).json().id;
    await bob.post(`/clients/${dupont}/contacts/`, { prenom: 'Théa', nom: 'Secrète', email: 'thea@cachee.fr' });
    const hits = group((await q(alice, 'THEO')).json(), 'contacts');
    expect(hits).toEqual([
      expect.objectContaining({
        id: theo,
        titre: 'Théo Lefort',
        sousTitre: 'Lefèvre Hélène · theo@boulangerie.fr',
        client: lefevre,
      }),
    ]);
    expect(group((await q(alice, 'boulangerie.fr')).json(), 'contacts').map((h: any) => h.id)).toEqual([theo]);
    // Bob's client's contact: invisible to alice, found by bob and the admin.
    expect(group((await q(alice, 'secrete')).json(), 'contacts')).toEqual([]);
    expect(group((await q(alice, 'cachee')).json(), 'contacts')).toEqual([]);
    expect(group((await q(bob, 'secrète')).json(), 'contacts').map((h: any) => h.titre)).toEqual(['Théa Secrète']);
    expect(
      group((await q(admin, 'the')).json(), 'contacts')
        .map((h: any) => h.titre)
        .sort(),
    ).toEqual(['Théa Secrète', 'Théo Lefort']);
    // Index-backed: the contacts' folded text has the same word and trigram indexes as the other types.
    const indexes = (
      await t.sql<{ indexname: string }>(
        `select indexname from pg_indexes where tablename = 'contacts' and indexname like 'contacts_recherche%' order by 1`,
      )
    ).map((r) => r.indexname);
    expect(indexes).toEqual(['contacts_recherche_mots', 'contacts_recherche_trgm']);
  });
  it('runs each statement with generic plans set for it alone, in one round trip (an error rolls it back)', async () => {
    // One pooled connection: every call below lands on the same backend.
    const one = await initOrm({ databaseUrl: t.dbUrl, poolMax: 1 });
    const pool = (one.em.getConnection().getKnex() as any).client;
    const conn = await pool.acquireConnection();
    await pool.releaseConnection(conn);
    const messages = vi.spyOn(conn, 'query');
    try {
      const em = one.em.fork();
      const generic = { plan_cache_mode: 'force_generic_plan' };
      for (let i = 0; i < 3; i++) {
        messages.mockClear();
        const rows = await readWithSettings(em, generic, 'select id from clients where recherche like ? limit 1', [
          `%x${i}%`,
        ]);
        expect(rows).toEqual([]);
        expect(messages).toHaveBeenCalledTimes(1); // begin, set, (prepare,) execute, commit: one message
      }
      const [inside] = await readWithSettings<{ m: string; plans: Array<{ g: number; c: number }> }>(
        em,
        generic,
        `select current_setting('plan_cache_mode') as m,
                (select json_agg(json_build_object('g', generic_plans, 'c', custom_plans)) from pg_prepared_statements
                  where starts_with(name, 'crmx_') and statement like '%where recherche like _1 limit 1%' and statement not like '%pg_prepared%') as plans`,
        [],
      );
      expect(inside).toEqual({ m: 'force_generic_plan', plans: [{ g: 3, c: 0 }] });
      // Parameters reach PostgreSQL exactly as bound ones would, typed by where they are used.
      const tricky = ["O'Brien \\ l'é\\'; select 1; --", '%_\\%', 42, true, null, '2026-02-03', 1.5];
      const [echo] = await readWithSettings(
        em,
        generic,
        `select ? as a, ? as b, ?::int + 1 as n, ? and true as t, ?::text is null as z, ?::date + 1 as d, ?::numeric * 2 as x`,
        tricky,
      );
      expect(echo).toEqual({ a: tricky[0], b: tricky[1], n: 43, t: true, z: true, d: '2026-02-04', x: '3.0' });
      // A NUL cannot travel in the message: refused as PostgreSQL refuses a bound one (the API's 400).
      await expect(readWithSettings(em, generic, 'select ? as a', ['a\0b'])).rejects.toMatchObject({ code: '22021' });
      // A failure inside (here after its statement was prepared in the same message): rolled back, the
      // connection is clean, and the statement prepared meanwhile is known (not prepared twice).
      await expect(readWithSettings(em, generic, 'select 1 / ?::int as q', [0])).rejects.toThrow();
      expect(await sql(em, `select current_setting('plan_cache_mode') as m`)).toEqual([{ m: 'auto' }]);
      expect(await readWithSettings(em, generic, 'select 1 / ?::int as q', [1])).toEqual([{ q: 1 }]);
      await expect(readWithSettings(em, { 'x; drop table clients': 'on' }, 'select 1', [])).rejects.toThrow(
        /bad setting/,
      );
    } finally {
      messages.mockRestore();
      await one.close(true);
    }
  });

  it('folds the query in JS exactly as crm_fold() folds the stored text (every Latin, Greek and Cyrillic letter)', async () => {
    const ranges = [
      [0x20, 0x24f],
      [0x370, 0x3ff],
      [0x400, 0x4ff],
      [0x1e00, 0x1eff],
    ];
    const chars: string[] = [];
    for (const [from, to] of ranges) for (let c = from; c <= to; c++) chars.push(String.fromCodePoint(c));
    // Whole strings too, one for each path of crm_fold(): plain ASCII, the common French accents,
    // the rest of Latin-1, and anything else (ligatures, Latin Extended, other scripts).
    const strings = ['Plain ASCII 42 Rue', 'ÉTÉ à Paris, crème brûlée', 'Noël Citroën Niño Ångström', 'Łódź Café'];
    const samples = [...chars, ...strings, 'ΟΔΟΣ', 'Lefèvre Hélène', 'ŒUVRE Æther Straße', 'İSTANBUL', 'ẞ', "\\%_'x"];
    const rows = await t.sql<{ i: number; f: string }>(
      'select i::int, crm_fold(s) as f from unnest(?::text[]) with ordinality as x(s, i)',
      [`{${samples.map((s) => `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`],
    );
    const differ = rows.filter((r) => crmFold(samples[r.i - 1]) !== r.f).map((r) => samples[r.i - 1]);
    expect(rows).toHaveLength(samples.length);
    expect(differ).toEqual([]);
    expect(rows.slice(chars.length, chars.length + 4).map((r) => r.f)).toEqual([
      'plain ascii 42 rue',
      'ete a paris, creme brulee',
      'noel citroen nino angstrom',
      'lodz cafe',
    ]);
  });

  it('reads a tier any of its three ways (walked, or through the search index with the scope tested or intersected) with the same hits', async () => {
    const users = await t.sql<AuthUser & { is_active: boolean }>(
      `select id, username, role, is_active from users where username in ('admin', 'alice', 'bob')`,
    );
    expect(users).toHaveLength(3);
    const queries = ['lef', 'xylo', 'ylop', 'secret', 'hélène', 'boulangerie lef', String(devisId)];
    for (const row of users) {
      const user: AuthUser = { id: row.id, username: row.username, role: row.role, isActive: row.is_active };
      for (const text of queries) {
        const input = { q: text, limite: 5 };
        const auto = await recherche(t.orm.em.fork() as EntityManager, user, input);
        for (const form of ['walk', 'fenced', 'anded'] as Form[]) {
          const forced = await recherche(t.orm.em.fork() as EntityManager, user, input, { form });
          expect({ user: user.username, text, form, forced }).toEqual({
            user: user.username,
            text,
            form,
            forced: auto,
          });
        }
      }
    }
  });

  it("prepares one statement per type, so that a form changed for one type plans that type's statement only", async () => {
    const one = await initOrm({ databaseUrl: t.dbUrl, poolMax: 1 });
    try {
      const [row] = await t.sql<AuthUser & { is_active: boolean }>(
        `select id, username, role, is_active from users where username = 'alice'`,
      );
      const alice: AuthUser = { id: row.id, username: row.username, role: row.role, isActive: row.is_active };
      // Times each prepared statement ran, by name (the names hash each statement's text).
      const runs = async () =>
        Object.fromEntries(
          (
            await sql<{ name: string; g: number }>(
              one.em.fork(),
              `select name, generic_plans::int as g from pg_prepared_statements where starts_with(name, 'crmx_')`,
            )
          ).map((r) => [r.name, r.g]),
        );
      const anded = {
        clients: 'anded',
        contacts: 'anded',
        opportunites: 'anded',
        projets: 'anded',
        taches: 'anded',
        devis: 'anded',
      } as const;
      const input = { q: 'lef', limite: 5 };
      const first = await recherche(one.em.fork() as EntityManager, alice, input, { form: anded });
      const before = await runs();
      expect(Object.values(before)).toEqual([1, 1, 1, 1, 1, 1]); // one statement per type
      const walked = await recherche(one.em.fork() as EntityManager, alice, input, {
        form: { ...anded, taches: 'fenced' },
      });
      expect(walked).toEqual(first);
      const after = await runs();
      // The five other types ran their statements again; only the tâches' new form was prepared.
      expect(
        Object.keys(before)
          .map((name) => after[name])
          .sort(),
      ).toEqual([1, 2, 2, 2, 2, 2]); // the tâches' anded statement did not run again
      const fresh = Object.keys(after).filter((name) => !(name in before));
      expect(fresh.map((name) => after[name])).toEqual([1]); // one statement prepared: the tâches' fenced form
    } finally {
      await one.close(true);
    }
  });

  it("tests a fenced rest tier's « no word starts with » (a to_tsvector per row) after the caller's scope, outside the index scan", async () => {
    const [row] = await t.sql<AuthUser & { is_active: boolean }>(
      `select id, username, role, is_active from users where username = 'alice'`,
    );
    const user: AuthUser = { id: row.id, username: row.username, role: row.role, isActive: row.is_active };
    const reads: string[] = [];
    const knex = t.orm.em.getConnection().getKnex();
    const listener = (e: { reads?: Array<{ sql: string }> }) => reads.push(...(e.reads ?? []).map((r) => r.sql));
    knex.on('query', listener);
    try {
      const fenced = await recherche(
        t.orm.em.fork() as EntityManager,
        user,
        { q: 'efev', limite: 5 },
        { form: 'fenced' },
      );
      const anded = await recherche(
        t.orm.em.fork() as EntityManager,
        user,
        { q: 'efev', limite: 5 },
        { form: 'anded' },
      );
      expect(fenced).toEqual(anded);
    } finally {
      knex.off('query', listener);
    }
    const clients = reads.find((r) => /'clients'::text/.test(r) && /offset 0/.test(r))!;
    expect(clients).toBeDefined();
    // The rest tier: the scan reads the substring test alone; the scope, then the word test, on its rows.
    const rest = clients.slice(clients.indexOf('union all'));
    const scan = rest.slice(0, rest.indexOf('offset 0'));
    const after = rest.slice(rest.indexOf('offset 0'));
    expect(scan).toMatch(/c\.recherche like \?/);
    expect(scan).not.toMatch(/to_tsvector/);
    expect(after).toMatch(/c\.responsable_id = \?.*not to_tsvector/s);
  });

  it('keeps crm_fold() inlinable, so that its expression indexes serve the queries that fold', async () => {
    const plan = await t.sql<{ 'QUERY PLAN': string }>(
      `explain verbose select crm_fold(nom || ' ' || societe) from clients`,
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('lower(');
    expect(text).not.toContain('crm_fold(');
    const [nul] = await t.sql<{ f: string }>('select crm_fold(null) as f');
    expect(nul.f).toBe('');
  });
});
