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

/**
 * Migrates and fills the bench database with set-based SQL (generate_series): a few users, 100k
 * clients, 20k projets, 200k opportunités, 20k devis, 300k tâches. Secondary indexes are dropped
 * during the load and rebuilt afterwards (from their own definitions), then the tables analyzed.
 */
/** The client whose timeline `timeline-client-10k` reads (10 000 events and activities). */
export const TIMELINE_CLIENT = 1;
export const TIMELINE_ITEMS = 10_000;

export async function seedBenchDatabase(
  databaseUrl: string,
  log: (s: string) => void = console.log,
  sizes: Sizes = SIZES,
): Promise<void> {
  const orm = await initOrm({ databaseUrl, poolMax: 1 });
  try {
    await migrate(orm);
    const em = orm.em.fork();
    const conn = em.getConnection();
    const run = async (label: string, text: string, params: unknown[] = []) => {
      const t0 = performance.now();
      await conn.execute(text, params as any[]);
      if (label) log(`  ${label} (${Math.round(performance.now() - t0)} ms)`);
    };
    const started = performance.now();
    await run('', `set synchronous_commit = off`);
    await run('', `set maintenance_work_mem = '256MB'`);
    const tables = ['clients', 'projets', 'opportunites', 'devis', 'taches'];
    // Secondary (non-constraint) indexes: dropped for the bulk load, recreated identically after.
    const indexes = await conn.execute<{ indexname: string; indexdef: string }[]>(
      `select i.indexname, i.indexdef from pg_indexes i
       where i.schemaname = 'public' and i.tablename in (?)
         and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
      [tables],
    );
    for (const i of indexes) await run('', `drop index "${i.indexname}"`);
    // Triggers off for the load (foreign-key checks, devis numbering, owners): the rows are built
    // consistent here, set-based, with their numbers and their owners (proprietaire_id, the
    // responsable of their client) — a row-by-row trigger lookup doubled the tâches' load time.
    await run('', 'set session_replication_role = replica');

    const hash = await hashPassword(BENCH_PASSWORD);
    await run(
      'users',
      `insert into users (username, email, password_hash, first_name, last_name, role)
      select u.username, u.username || '@bench.example.fr', ?, initcap(u.username), 'Bench', u.role
      from (values ('admin', 'admin'), ('manager', 'manager')) u(username, role)
      union all
      select 'commercial' || g, 'commercial' || g || '@bench.example.fr', ?, 'Commercial', g::text, 'commercial'
      from generate_series(1, ${COMMERCIAUX}) g`,
      [hash, hash],
    );
    // Commercial k has id 2 + k (admin 1, manager 2): clients spread round-robin among them.
    const responsable = (expr: string) => `(3 + (${expr}) % ${COMMERCIAUX})`;
    const n = SYLLABES.length;
    await run(
      `clients ${sizes.clients}`,
      `insert into clients (id, nom, societe, email, telephone, notes, categorie, responsable_id, date_creation, date_modification)
      select g, upper(left(sn, 1)) || substr(sn, 2) || ' ' || (${sqlArray(PRENOMS)})[1 + g % ${PRENOMS.length}],
        'Société ' || (g % 5000) || (array[' SARL',' SAS',' & Fils',' Industrie'])[1 + g % 4],
        'contact' || g || '@client' || (g % 997) || '.example.fr',
        '+3312' || lpad((g % 10000000)::text, 7, '0'), 'Notes du client ' || g,
        (array['PME','VIP','Grand compte','Startup',''])[1 + g % 5], ${responsable('g')},
        now() - (g || ' minutes')::interval, now() - (g || ' seconds')::interval
      from (select g, syl[1 + g % ${n}] || syl[1 + (g / ${n}) % ${n}] || syl[1 + (g / ${n * n}) % ${n}] as sn
            from generate_series(1, ${sizes.clients}) g, (select ${sqlArray(SYLLABES)} as syl) words) x`,
    );
    await run(
      `projets ${sizes.projets}`,
      `insert into projets (id, titre, description, statut, date_debut, date_fin, budget, client_id, proprietaire_id, date_creation)
      select g, 'Projet ' || g, 'Description du projet ' || g, (array['a_faire','en_cours','termine'])[1 + g % 3],
        current_date - (g % 300), current_date - (g % 300) + 30 + g % 90, (g % 500) * 100, c, ${responsable('c')},
        now() - (g || ' minutes')::interval
      from (select g, 1 + (g * 7) % ${sizes.clients} as c from generate_series(1, ${sizes.projets}) g) x`,
    );
    // Sparse kanban keys, 1024 apart in each column (etape cycles with g % 5), as the board gives them.
    await run(
      `opportunites ${sizes.opportunites}`,
      `insert into opportunites (id, nom, client_id, responsable_id, proprietaire_id, montant, probabilite, etape, resultat, position,
        date_conclusion_estimee, date_conclusion, notes, date_creation)
      select g, 'Opportunité ' || g, c, ${responsable('c')}, ${responsable('c')}, (g % 1000) * 50 + 0.5, (g * 13) % 101, e,
        case when e = 'conclusion' then (case when g % 3 = 0 then 'perdue' else 'gagnee' end) end, (g - 1) / 5 * 1024,
        current_date + (g % 180), case when e = 'conclusion' then now() - (g % 365 || ' days')::interval end,
        'Notes ' || g, now() - (g || ' minutes')::interval
      from (select g, 1 + (g - 1) % ${sizes.clients} as c, (array['prospect','qualification','proposition','negociation','conclusion'])[1 + g % 5] as e
            from generate_series(1, ${sizes.opportunites}) g) s`,
    );
    // Numbered here (set-based): the numbering trigger looks up each devis' lineage, a scan per row
    // while the seed's secondary indexes are dropped (quadratic: 14 minutes for 200 000 devis).
    await run(
      `devis ${sizes.devis}`,
      `insert into devis (id, opportunite_id, proprietaire_id, montant, montant_tva, statut, version, contenu, numero)
      select g, g, ${responsable(`1 + (g - 1) % ${sizes.clients}`)}, 1000 + g % 9000, round((1000 + g % 9000) * 0.2, 2), (array['brouillon','envoye','consulte','accepte','refuse'])[1 + g % 5], 1, 'Devis ' || g,
        'D' || y.annee || '-' || lpad(g::text, greatest(5, length(g::text)), '0')
      from generate_series(1, ${sizes.devis}) g, (select extract(year from now() at time zone 'Europe/Paris')::int as annee) y`,
    );
    await run(
      '',
      `insert into devis_compteurs (annee, dernier) values (extract(year from now() at time zone 'Europe/Paris')::int, ${sizes.devis})
      on conflict (annee) do update set dernier = excluded.dernier`,
    );
    await run(
      `taches ${sizes.taches}`,
      `insert into taches (id, titre, description, assigne_a_id, client_id, proprietaire_id, projet_id, priorite, date_echeance, statut, position, date_terminee)
      select g, 'Tâche ' || g, 'À faire pour le client ' || c, ${responsable('c')}, c, ${responsable('c')}, null,
        (array['basse','moyenne','haute','urgente'])[1 + g % 4], current_date + (g % 200) - 100, s, (g - 1) / 3 * 1024,
        case when s = 'terminee' then now() end
      from (select g, 1 + (g * 3) % ${sizes.clients} as c, (array['a_faire','en_cours','terminee'])[1 + g % 3] as s
            from generate_series(1, ${sizes.taches}) g) x`,
    );
    for (const t of tables)
      await run('', `select setval(pg_get_serial_sequence('${t}', 'id'), (select max(id) from ${t}))`);
    // Timelines: every client's creation event, and client ${TIMELINE_CLIENT} with ${TIMELINE_ITEMS} items (4 events for 1 activity).
    await run(
      `evenements ${sizes.clients}`,
      `insert into evenements (type, client_id, auteur_id, date, resume)
      select 'client_cree', g, ${responsable('g')}, now() - (g || ' minutes')::interval, 'Client créé' from generate_series(1, ${sizes.clients}) g`,
    );
    await run(
      `timeline of client ${TIMELINE_CLIENT}: ${TIMELINE_ITEMS} items`,
      `with e as (
        insert into evenements (type, client_id, opportunite_id, auteur_id, date, resume, donnees)
        select 'opportunite_etape', ${TIMELINE_CLIENT}, ${TIMELINE_CLIENT}, 1, now() - (g * 97 || ' minutes')::interval,
          '« Opportunité ${TIMELINE_CLIENT} » : Prospect → Qualification', '{"de":"prospect","vers":"qualification"}'::jsonb
        from generate_series(1, ${(TIMELINE_ITEMS * 4) / 5}) g returning 1)
      insert into activites (type, sujet, contenu, date, auteur_id, client_id, opportunite_id)
      select (array['note','appel','reunion','email','autre'])[1 + g % 5], 'Échange ' || g, '**Compte rendu** de l''échange ' || g,
        now() - (g * 389 || ' minutes')::interval, 1, ${TIMELINE_CLIENT}, ${TIMELINE_CLIENT}
      from generate_series(1, ${TIMELINE_ITEMS / 5}) g`,
    );
    await run('', 'set session_replication_role = origin');
    // The owners written above are the triggers' (a wrong one would skew every commercial cell).
    const [wrong] = await conn.execute<{ n: number }[]>(
      `select (select count(*) from opportunites o join clients c on c.id = o.client_id where o.proprietaire_id is distinct from c.responsable_id)
            + (select count(*) from projets p join clients c on c.id = p.client_id where p.proprietaire_id is distinct from c.responsable_id)
            + (select count(*) from taches t join clients c on c.id = t.client_id where t.proprietaire_id is distinct from c.responsable_id)
            + (select count(*) from devis d join opportunites o on o.id = d.opportunite_id where d.proprietaire_id is distinct from o.proprietaire_id) as n`,
    );
    if (Number(wrong.n) !== 0) throw new Error(`seed: ${wrong.n} rows with a wrong proprietaire_id`);
    const t0 = performance.now();
    for (const i of indexes) await run('', i.indexdef);
    log(`  ${indexes.length} secondary indexes rebuilt (${Math.round(performance.now() - t0)} ms)`);
    // VACUUM sets the visibility map (index-only scans) and ANALYZE gives the planner statistics.
    await run('vacuum analyze', `vacuum analyze`);
    log(`  seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await orm.close(true);
  }
}
