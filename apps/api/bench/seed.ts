import { MikroORM, ormConfig, initOrm, migrate, TEST_ADMIN_URL } from '@crm/db';
import { hashPassword } from '../src/auth/passwords.js';

export const BENCH_PASSWORD = 'Bench-password-2026';
export const COMMERCIAUX = 10;
/** Row counts at scale 1; BENCH_SCALE multiplies them (10: 1M clients, 2M opportunités, 3M tâches). */
export const sizesFor = (scale: number) => {
  const n = (x: number) => Math.max(10, Math.round(x * scale));
  return { clients: n(100_000), projets: n(20_000), opportunites: n(200_000), devis: n(20_000), taches: n(300_000) };
};
export type Sizes = ReturnType<typeof sizesFor>;
export const SIZES = sizesFor(Number(process.env.BENCH_SCALE ?? 1));
/** Syllables of the generated surnames: ~8,000 distinct names, so a surname search matches a handful of clients. */
export const SYLLABES = [
  'ber',
  'lan',
  'mor',
  'du',
  'pin',
  'ger',
  'val',
  'roux',
  'cha',
  'mar',
  'tel',
  'lef',
  'vré',
  'gi',
  'rard',
  'bou',
  'chet',
  'fon',
  'taî',
  'ne',
];
export const PRENOMS = [
  'Hélène',
  'Zoé',
  'Jérôme',
  'François',
  'Camille',
  'Noël',
  'Agnès',
  'Benoît',
  'Chloé',
  'Loïc',
  'Inès',
];
/** The surname of client `g`, as the seed SQL computes it (`nom` = surname + ' ' + first name). */
export const surname = (g: number): string => {
  const s = SYLLABES;
  const raw =
    s[g % s.length] + s[Math.floor(g / s.length) % s.length] + s[Math.floor(g / (s.length * s.length)) % s.length];
  return raw[0].toUpperCase() + raw.slice(1);
};
const sqlArray = (words: string[]) => `array[${words.map((w) => `'${w.replace(/'/g, "''")}'`).join(', ')}]`;
export const ETAPES = ['prospect', 'qualification', 'proposition', 'negociation', 'conclusion'] as const;

/** BENCH_DATABASE_URL, or a `crm_bench` database beside the tests' admin URL (its name + suffix). */
export function benchDatabaseUrl(env: NodeJS.ProcessEnv = process.env, suffix = ''): string {
  const u = new URL(env.BENCH_DATABASE_URL ?? TEST_ADMIN_URL.replace(/\/[^/]*$/, '/crm_bench'));
  u.pathname += suffix;
  return u.toString();
}

/** The bench database (see benchDatabaseUrl), dropped and recreated. */
export async function freshBenchDatabase(env: NodeJS.ProcessEnv = process.env, suffix = ''): Promise<string> {
  const url = new URL(benchDatabaseUrl(env, suffix));
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`unexpected bench database name ${name}`);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = await MikroORM.init({
    ...(await ormConfig({ databaseUrl: adminUrl.toString(), poolMax: 1 })),
    extensions: [],
  });
  try {
    const conn = admin.em.getConnection();
    await conn.execute(`drop database if exists "${name}" with (force)`);
    await conn.execute(`create database "${name}"`);
  } finally {
    await admin.close(true);
  }
  return url.toString();
}

/** The client whose timeline `timeline-client-10k` reads (10 000 events and activities). */
export const TIMELINE_CLIENT = 1;
export const TIMELINE_ITEMS = 10_000;

/** Connections of the seed (see seedBenchDatabase). */
const SEED_CONNECTIONS = 2;
type Conn = ReturnType<MikroORM['em']['getConnection']>;
/**
 * One step of the seed: `sql` statements run in order on one connection, once every `after` step is
 * done; `check` gets the last statement's rows.
 */
type Step = {
  name: string;
  label?: string;
  sql: string[];
  params?: unknown[];
  after?: string[];
  check?: (rows: any) => void;
};
type Span = { start: number; end: number; conn: number };

/**
 * Runs the steps on the connections, one at a time on each, each time taking the first step of the
 * list whose `after` steps are done (the list's order is the priority: longest first). Returns
 * when each step started and ended (ms since `t0`).
 */
async function runSteps(
  conns: Conn[],
  steps: Step[],
  session: string[],
  log: (s: string) => void,
  t0: number,
): Promise<Map<string, Span>> {
  const spans = new Map<string, Span>();
  const taken = new Set<Step>();
  let waiting: Array<() => void> = [];
  let failed: unknown;
  const wakeAll = () => {
    const wake = waiting;
    waiting = [];
    for (const w of wake) w();
  };
  const next = () => steps.find((s) => !taken.has(s) && (s.after ?? []).every((a) => spans.get(a)?.end !== undefined));
  await Promise.all(
    conns.map(async (conn, c) => {
      while (failed === undefined && taken.size < steps.length) {
        const step = next();
        if (!step) {
          await new Promise<void>((resolve) => waiting.push(resolve));
          continue;
        }
        taken.add(step);
        try {
          const start = performance.now() - t0;
          // The session's settings, again: the pool may have replaced a connection left idle.
          for (const s of session) await conn.execute(s);
          let rows: unknown;
          for (const sql of step.sql) rows = await conn.execute(sql, (step.params ?? []) as any[]);
          step.check?.(rows);
          const end = performance.now() - t0;
          spans.set(step.name, { start, end, conn: c + 1 });
          if (step.label || process.env.BENCH_SEED_STEPS)
            log(
              `  ${step.label ?? step.name} (${Math.round(end - start)} ms, connection ${c + 1}, ended at ${(end / 1000).toFixed(1)} s)`,
            );
        } catch (err) {
          failed ??= err;
        }
        wakeAll();
      }
      wakeAll();
    }),
  );
  if (failed !== undefined) throw failed;
  return spans;
}

/**
 * Migrates and fills the bench database with set-based SQL (generate_series): a few users, 100k
 * clients, 20k projets, 200k opportunités, 20k devis, 300k tâches (× BENCH_SCALE). Secondary
 * indexes are dropped during the load and rebuilt afterwards (from their own definitions). Two
 * connections share the work, longest steps first: the loads of different tables, then VACUUM
 * (visibility map), then the index builds, then each table's ANALYZE once its indexes are built.
 * BENCH_SEED_STEPS=1 logs every step. BENCH_SCALE=10 on an idle 2-core machine: 387 s → 198 s
 * (bench/results/session7-scale10-seed.txt); nearly half of the CPU time is crm_fold() (generated
 * columns, expression indexes), which no set-based rewrite of the seed avoids.
 */
export async function seedBenchDatabase(
  databaseUrl: string,
  log: (s: string) => void = console.log,
  sizes: Sizes = SIZES,
): Promise<void> {
  const orm = await initOrm({ databaseUrl, poolMax: 1 });
  // More connections: the seed keeps both cores busy (loads of different tables, index builds).
  const more: MikroORM[] = [];
  try {
    await migrate(orm);
    for (let i = 1; i < SEED_CONNECTIONS; i++) more.push(await initOrm({ databaseUrl, poolMax: 1 }));
    const conn = orm.em.fork().getConnection();
    const conns = [conn, ...more.map((o) => o.em.fork().getConnection())];
    const started = performance.now();
    // Triggers off for the load (foreign-key checks, devis numbering, owners): the rows are built
    // consistent here, set-based, with their numbers and their owners (proprietaire_id, the
    // responsable of their client) — a row-by-row trigger lookup doubled the tâches' load time.
    // One index build at a time per connection, with the memory
    // to sort or gather a whole index of 3M rows at once.
    // The loads' commits are synchronous: VACUUM does not set the hint bits of rows whose
    // asynchronous commit is not yet flushed (nor, then, their pages all-visible), and 32 neighbouring
    // transactions share the commit position it checks: with `synchronous_commit = off` the VACUUM
    // right after the loads left every table not-all-visible, and the builds set the hint bits (+50%).
    const session = [
      `set maintenance_work_mem = '1GB'`,
      `set max_parallel_maintenance_workers = 0`,
      `set session_replication_role = replica`,
    ];
    const tables = ['clients', 'projets', 'opportunites', 'devis', 'taches'];
    // Secondary (non-constraint) indexes: dropped for the bulk load, recreated identically after.
    const indexes = await conn.execute<{ indexname: string; indexdef: string; tablename: string }[]>(
      `select i.indexname, i.indexdef, i.tablename from pg_indexes i
       where i.schemaname = 'public' and i.tablename in (?)
         and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
      [tables],
    );
    for (const i of indexes) await conn.execute(`drop index "${i.indexname}"`);

    const hash = await hashPassword(BENCH_PASSWORD);
    // Commercial k has id 2 + k (admin 1, manager 2): clients spread round-robin among them.
    const responsable = (expr: string) => `(3 + (${expr}) % ${COMMERCIAUX})`;
    const n = SYLLABES.length;
    const loads: Step[] = [
      {
        name: 'users',
        label: 'users',
        sql: [
          `insert into users (username, email, password_hash, first_name, last_name, role)
      select u.username, u.username || '@bench.example.fr', ?, initcap(u.username), 'Bench', u.role
      from (values ('admin', 'admin'), ('manager', 'manager')) u(username, role)
      union all
      select 'commercial' || g, 'commercial' || g || '@bench.example.fr', ?, 'Commercial', g::text, 'commercial'
      from generate_series(1, ${COMMERCIAUX}) g`,
        ],
        params: [hash, hash],
      },
      {
        name: 'taches',
        label: `taches ${sizes.taches}`,
        sql: [
          `insert into taches (id, titre, description, assigne_a_id, client_id, proprietaire_id, projet_id, priorite, date_echeance, statut, position, date_terminee)
      select g, 'Tâche ' || g, 'À faire pour le client ' || c, ${responsable('c')}, c, ${responsable('c')}, null,
        (array['basse','moyenne','haute','urgente'])[1 + g % 4], current_date + (g % 200) - 100, s, (g - 1) / 3 * 1024,
        case when s = 'terminee' then now() end
      from (select g, 1 + (g * 3) % ${sizes.clients} as c, (array['a_faire','en_cours','terminee'])[1 + g % 3] as s
            from generate_series(1, ${sizes.taches}) g) x`,
        ],
      },
      {
        name: 'clients',
        label: `clients ${sizes.clients}`,
        sql: [
          `insert into clients (id, nom, societe, email, telephone, notes, categorie, responsable_id, date_creation, date_modification)
      select g, upper(left(sn, 1)) || substr(sn, 2) || ' ' || (${sqlArray(PRENOMS)})[1 + g % ${PRENOMS.length}],
        'Société ' || (g % 5000) || (array[' SARL',' SAS',' & Fils',' Industrie'])[1 + g % 4],
        'contact' || g || '@client' || (g % 997) || '.example.fr',
        '+3312' || lpad((g % 10000000)::text, 7, '0'), 'Notes du client ' || g,
        (array['PME','VIP','Grand compte','Startup',''])[1 + g % 5], ${responsable('g')},
        now() - (g || ' minutes')::interval, now() - (g || ' seconds')::interval
      from (select g, syl[1 + g % ${n}] || syl[1 + (g / ${n}) % ${n}] || syl[1 + (g / ${n * n}) % ${n}] as sn
            from generate_series(1, ${sizes.clients}) g, (select ${sqlArray(SYLLABES)} as syl) words) x`,
        ],
      },
      {
        name: 'opportunites',
        label: `opportunites ${sizes.opportunites}`,
        // Sparse kanban keys, 1024 apart in each column (etape cycles with g % 5), as the board gives them.
        sql: [
          `insert into opportunites (id, nom, client_id, responsable_id, proprietaire_id, montant, probabilite, etape, resultat, position,
        date_conclusion_estimee, date_conclusion, notes, date_creation)
      select g, 'Opportunité ' || g, c, ${responsable('c')}, ${responsable('c')}, (g % 1000) * 50 + 0.5, (g * 13) % 101, e,
        case when e = 'conclusion' then (case when g % 3 = 0 then 'perdue' else 'gagnee' end) end, (g - 1) / 5 * 1024,
        current_date + (g % 180), case when e = 'conclusion' then now() - (g % 365 || ' days')::interval end,
        'Notes ' || g, now() - (g || ' minutes')::interval
      from (select g, 1 + (g - 1) % ${sizes.clients} as c, (array['prospect','qualification','proposition','negociation','conclusion'])[1 + g % 5] as e
            from generate_series(1, ${sizes.opportunites}) g) s`,
        ],
      },
      {
        name: 'projets',
        label: `projets ${sizes.projets}`,
        sql: [
          `insert into projets (id, titre, description, statut, date_debut, date_fin, budget, client_id, proprietaire_id, date_creation)
      select g, 'Projet ' || g, 'Description du projet ' || g, (array['a_faire','en_cours','termine'])[1 + g % 3],
        current_date - (g % 300), current_date - (g % 300) + 30 + g % 90, (g % 500) * 100, c, ${responsable('c')},
        now() - (g || ' minutes')::interval
      from (select g, 1 + (g * 7) % ${sizes.clients} as c from generate_series(1, ${sizes.projets}) g) x`,
        ],
      },
      {
        name: 'devis',
        label: `devis ${sizes.devis}`,
        // Numbered here (set-based): the numbering trigger looks up each devis' lineage, a scan per row
        // while the seed's secondary indexes are dropped (quadratic: 14 minutes for 200 000 devis).
        sql: [
          `insert into devis (id, opportunite_id, proprietaire_id, montant, montant_tva, statut, version, contenu, numero)
      select g, g, ${responsable(`1 + (g - 1) % ${sizes.clients}`)}, 1000 + g % 9000, round((1000 + g % 9000) * 0.2, 2), (array['brouillon','envoye','consulte','accepte','refuse'])[1 + g % 5], 1, 'Devis ' || g,
        'D' || y.annee || '-' || lpad(g::text, greatest(5, length(g::text)), '0')
      from generate_series(1, ${sizes.devis}) g, (select extract(year from now() at time zone 'Europe/Paris')::int as annee) y`,
          `insert into devis_compteurs (annee, dernier) values (extract(year from now() at time zone 'Europe/Paris')::int, ${sizes.devis})
      on conflict (annee) do update set dernier = excluded.dernier`,
        ],
      },
      {
        // Timelines: every client's creation event, and client ${TIMELINE_CLIENT} with ${TIMELINE_ITEMS} items (4 events for 1 activity).
        name: 'evenements',
        label: `evenements ${sizes.clients} + timeline of client ${TIMELINE_CLIENT}: ${TIMELINE_ITEMS} items`,
        sql: [
          `insert into evenements (type, client_id, auteur_id, date, resume)
      select 'client_cree', g, ${responsable('g')}, now() - (g || ' minutes')::interval, 'Client créé' from generate_series(1, ${sizes.clients}) g`,
          `with e as (
        insert into evenements (type, client_id, opportunite_id, auteur_id, date, resume, donnees)
        select 'opportunite_etape', ${TIMELINE_CLIENT}, ${TIMELINE_CLIENT}, 1, now() - (g * 97 || ' minutes')::interval,
          '« Opportunité ${TIMELINE_CLIENT} » : Prospect → Qualification', '{"de":"prospect","vers":"qualification"}'::jsonb
        from generate_series(1, ${(TIMELINE_ITEMS * 4) / 5}) g returning 1)
      insert into activites (type, sujet, contenu, date, auteur_id, client_id, opportunite_id)
      select (array['note','appel','reunion','email','autre'])[1 + g % 5], 'Échange ' || g, '**Compte rendu** de l''échange ' || g,
        now() - (g * 389 || ' minutes')::interval, 1, ${TIMELINE_CLIENT}, ${TIMELINE_CLIENT}
      from generate_series(1, ${TIMELINE_ITEMS / 5}) g`,
        ],
      },
    ];
    const loaded = loads.map((s) => s.name);
    const setvals: Step[] = tables.map((t) => ({
      name: `setval ${t}`,
      sql: [`select setval(pg_get_serial_sequence('${t}', 'id'), (select max(id) from ${t}))`],
      after: [t],
    }));
    // The owners written above are the triggers' (a wrong one would skew every commercial cell).
    const owners: Step = {
      name: 'owners',
      after: loaded,
      sql: [
        `select (select count(*) from opportunites o join clients c on c.id = o.client_id where o.proprietaire_id is distinct from c.responsable_id)
            + (select count(*) from projets p join clients c on c.id = p.client_id where p.proprietaire_id is distinct from c.responsable_id)
            + (select count(*) from taches t join clients c on c.id = t.client_id where t.proprietaire_id is distinct from c.responsable_id)
            + (select count(*) from devis d join opportunites o on o.id = d.opportunite_id where d.proprietaire_id is distinct from o.proprietaire_id) as n`,
      ],
      check: ([wrong]: { n: number }[]) => {
        if (Number(wrong.n) !== 0) throw new Error(`seed: ${wrong.n} rows with a wrong proprietaire_id`);
      },
    };
    // Longest builds first (trigram GIN indexes of the largest tables), so that the connections end together.
    const rows: Record<string, number> = sizes;
    const cost = (def: string, table: string) =>
      rows[table] * (/gin_trgm_ops/.test(def) ? 12 : /using gin/i.test(def) ? 8 : /crm_fold\(/.test(def) ? 3 : 1);
    const builds = indexes
      .map((i) => ({
        name: `index ${i.indexname}`,
        sql: [i.indexdef],
        after: [i.tablename],
        cost: cost(i.indexdef, i.tablename),
      }))
      .sort((a, b) => b.cost - a.cost);
    // VACUUM sets the visibility map (index-only scans): once every row is in (a row inserted while
    // another statement's snapshot was open is not yet visible to all), before the builds, and alone:
    // a statement of another connection (a build, an ANALYZE) holds a snapshot whose xmin may be
    // as old as a transaction open in another database, and VACUUM would then leave pages
    // not-all-visible. VACUUMs ignore each other's.
    // ANALYZE (planner statistics, expression indexes included) after each table's builds.
    const others = await conn.execute<{ t: string }[]>(
      `select format('%I.%I', n.nspname, c.relname) as t from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'm', 'p') and not c.relispartition and c.relpersistence <> 't'
         and not (n.nspname = 'public' and c.relname in (?))`,
      [[...tables, 'evenements', 'activites']],
    );
    const byRows = [...tables, 'evenements', 'activites'].sort(
      (a, b) => (rows[b] ?? sizes.clients) - (rows[a] ?? sizes.clients),
    );
    const othersList = others.map((o) => o.t).join(', ');
    const vacuums: Step[] = [
      ...byRows.map((t) => ({
        name: `vacuum ${t}`,
        sql: [`vacuum ${t}`],
        after: [...loaded, ...setvals.map((v) => v.name)],
      })),
      { name: 'vacuum others', sql: [`vacuum ${othersList}`], after: [...loaded, ...setvals.map((v) => v.name)] },
    ];
    const vacuumed = vacuums.map((v) => v.name);
    owners.after = vacuumed;
    for (const b of builds) b.after = [...b.after, ...vacuumed];
    const analyzes: Step[] = [
      ...byRows.map((t) => ({
        name: `analyze ${t}`,
        sql: [`analyze ${t}`],
        after: [...vacuumed, ...builds.filter((b) => b.after[0] === t).map((b) => b.name)],
      })),
      { name: 'analyze others', sql: [`analyze ${othersList}`], after: vacuumed },
    ];
    const steps = [...loads, ...setvals, ...vacuums, owners, ...builds, ...analyzes];
    const spans = await runSteps(conns, steps, session, log, started);
    // Each group: its steps' time summed over both connections, and when its first began and its last ended.
    const group = (label: string, names: string[]) => {
      const ss = names.map((name) => spans.get(name)!);
      const busy = ss.reduce((sum, s) => sum + s.end - s.start, 0);
      const from = Math.min(...ss.map((s) => s.start));
      const to = Math.max(...ss.map((s) => s.end));
      log(
        `  ${label} (${Math.round(busy)} ms of work, from ${(from / 1000).toFixed(1)} s to ${(to / 1000).toFixed(1)} s)`,
      );
    };
    group('owners checked', ['owners']);
    group(
      `${indexes.length} secondary indexes rebuilt`,
      builds.map((b) => b.name),
    );
    group('vacuum', vacuumed);
    group(
      'analyze',
      analyzes.map((v) => v.name),
    );
    log(`  seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    for (const o of more) await o.close(true);
    await orm.close(true);
  }
}
