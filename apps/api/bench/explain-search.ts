/**
 * EXPLAIN (ANALYZE, BUFFERS) of the SQL the list searches and the global search emit for one
 * caller, on a seeded bench database (not migrated here: run it on the database as it is).
 * `tsx bench/explain-search.ts [user id, default 3 = commercial1] [filter regex]`; BENCH_DATABASE_URL
 * (default crm_bench). Each case runs once to warm up, then once with its statements captured, and
 * each statement is explained (timings of the explain, not of the API). Prints one summary line
 * per statement and writes the plans to EXPLAIN_OUT (default /tmp/explain-search.txt).
 * EXPLAIN_LISTS: plain list inputs instead (see below); EXPLAIN_RECHERCHE: global-search queries;
 * EXPLAIN_GENERIC=1: generic plans (as the API runs the global search).
 */
import fs from 'node:fs';
import { clientListInput, devisListInput, opportuniteListInput, projetListInput, tacheListInput } from '@crm/shared';
import { initOrm, type EntityManager } from '@crm/db';
import type { AuthUser } from '../src/auth/sessions.js';
import { listClients } from '../src/services/clients/queries.js';
import { opportuniteColonnes, tacheColonnes } from '../src/services/colonnes.js';
import { listDevis } from '../src/services/devis/queries.js';
import { listOpportunites } from '../src/services/opportunites/queries.js';
import { listProjets } from '../src/services/projets/queries.js';
import { recherche } from '../src/services/recherche.js';
import { listTaches } from '../src/services/taches/queries.js';
import { benchDatabaseUrl } from './seed.js';

const userId = Number(process.argv[2] ?? 3);
const only = process.argv[3] ? new RegExp(process.argv[3]) : undefined;
const out = process.env.EXPLAIN_OUT ?? '/tmp/explain-search.txt';
const page = { page: 1, pageSize: 25 };
/** EXPLAIN_TERMS='tache 1,tache 2': these terms instead of the built-in common/rare ones, on every list. */
const custom = process.env.EXPLAIN_TERMS?.split(',');

const CASES: Array<[string, (em: EntityManager, u: AuthUser) => Promise<unknown>]> = [];
const terms: Record<string, string[]> = {
  clients: ['ber', 'lanberber'],
  projets: ['projet 4', 'projet 12347'],
  opportunites: ['opportunite 4', 'opportunite 123457'],
  taches: ['tache 4', 'tache 123457'],
  devis: ['devis 4', 'devis 12347'],
};
const kinds: Array<[string, number]> = custom
  ? custom.map((term, i) => [term, i])
  : [
      ['common', 0],
      ['rare', 1],
    ];
if (custom) for (const key of Object.keys(terms)) terms[key] = custom;
for (const [k, i] of kinds) {
  CASES.push([
    `clients ${k}`,
    (em, u) => listClients(em, u, clientListInput.parse({ ...page, search: terms.clients[i] })),
  ]);
  CASES.push([
    `projets ${k}`,
    (em, u) => listProjets(em, u, projetListInput.parse({ ...page, search: terms.projets[i] })),
  ]);
  CASES.push([
    `opportunites ${k}`,
    (em, u) => listOpportunites(em, u, opportuniteListInput.parse({ ...page, search: terms.opportunites[i] })),
  ]);
  CASES.push([`taches ${k}`, (em, u) => listTaches(em, u, tacheListInput.parse({ ...page, search: terms.taches[i] }))]);
  CASES.push([`devis ${k}`, (em, u) => listDevis(em, u, devisListInput.parse({ ...page, search: terms.devis[i] }))]);
  CASES.push([
    `opportunites/colonnes ${k}`,
    (em, u) => opportuniteColonnes(em, u, opportuniteListInput.parse({ search: terms.opportunites[i] })),
  ]);
  CASES.push([
    `taches/colonnes ${k}`,
    (em, u) => tacheColonnes(em, u, tacheListInput.parse({ search: terms.taches[i] })),
  ]);
}
// EXPLAIN_LISTS='opportunites:{"ordering":"-montant"};taches:{}': plain list inputs instead of the search cases.
if (process.env.EXPLAIN_LISTS) {
  CASES.length = 0;
  const fns: Record<string, (em: EntityManager, u: AuthUser, input: any) => Promise<unknown>> = {
    clients: (em, u, i) => listClients(em, u, clientListInput.parse({ ...page, ...i })),
    projets: (em, u, i) => listProjets(em, u, projetListInput.parse({ ...page, ...i })),
    opportunites: (em, u, i) => listOpportunites(em, u, opportuniteListInput.parse({ ...page, ...i })),
    taches: (em, u, i) => listTaches(em, u, tacheListInput.parse({ ...page, ...i })),
    devis: (em, u, i) => listDevis(em, u, devisListInput.parse({ ...page, ...i })),
  };
  for (const c of process.env.EXPLAIN_LISTS.split(';')) {
    const [kind, json] = [c.slice(0, c.indexOf(':')), c.slice(c.indexOf(':') + 1)];
    CASES.push([`${kind} ${json}`, (em, u) => fns[kind]!(em, u, JSON.parse(json))]);
  }
}
// EXPLAIN_RECHERCHE='che,roux': these global-search queries instead of the built-in ones.
if (!process.env.EXPLAIN_LISTS)
  for (const q of process.env.EXPLAIN_RECHERCHE?.split(',') ?? [
    'tache 4',
    'ber',
    'opportunite 123457',
    'lanberber',
    'projet',
  ])
    CASES.push([`recherche ${q}`, (em, u) => recherche(em, u, { q, limite: 5 })]);

function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

async function main() {
  const orm = await initOrm({ databaseUrl: benchDatabaseUrl(), poolMax: 2 });
  const knex = orm.em.getConnection().getKnex() as any;
  const users = await knex.raw('select id, username, role, is_active from users where id = ?', [userId]);
  const r = users.rows[0];
  const user: AuthUser = { id: r.id, username: r.username, role: r.role, isActive: r.is_active };
  const pg = await knex.client.acquireConnection();
  // EXPLAIN_GENERIC=1: generic plans, as the API runs the global search (see GENERIC_PLANS in recherche.ts).
  if (process.env.EXPLAIN_GENERIC === '1') await pg.query('set plan_cache_mode = force_generic_plan');
  const lines: string[] = [];
  try {
    for (const [name, run] of CASES) {
      if (only && !only.test(name)) continue;
      await run(orm.em.fork() as EntityManager, user);
      const statements: Array<{ sql: string; bindings: unknown[] }> = [];
      // (A message of several reads, see readManyWithSettings, carries each in `reads`.)
      type Shown = { sql: string; bindings?: unknown[] };
      const listener = (q: Shown & { reads?: Shown[] }) => {
        for (const r of q.reads ?? [q]) statements.push({ sql: r.sql, bindings: r.bindings ?? [] });
      };
      knex.on('query', listener);
      const t0 = performance.now();
      try {
        await run(orm.em.fork() as EntityManager, user);
      } finally {
        knex.off('query', listener);
      }
      const wall = performance.now() - t0;
      const parts: string[] = [];
      for (const [i, s] of statements.entries()) {
        // (The transaction and settings around a statement: nothing to explain.)
        if (!/^\s*(select|with)\b/i.test(s.sql)) continue;
        // A generic plan is a prepared statement's: EXPLAIN of the statement itself would plan it
        // with the values (a custom plan) whatever plan_cache_mode says.
        const generic = process.env.EXPLAIN_GENERIC === '1';
        if (generic) {
          await pg.query('deallocate all');
          await pg.query(`prepare crm_explain as ${numbered(s.sql)}`);
        }
        // (EXECUTE takes its arguments as literals.)
        const literal = (v: unknown) =>
          v === null || v === undefined ? 'null' : typeof v === 'number' ? String(v) : pg.escapeLiteral(String(v));
        const args = s.bindings.map(literal).join(', ');
        const res = generic
          ? await pg.query(`explain (analyze, buffers) execute crm_explain${args ? `(${args})` : ''}`)
          : await pg.query({ text: `explain (analyze, buffers) ${numbered(s.sql)}`, values: s.bindings });
        const plan = res.rows.map((x: any) => x['QUERY PLAN']).join('\n');
        const exec = /Execution Time: ([\d.]+) ms/.exec(plan)?.[1];
        const hit = /Buffers: shared hit=(\d+)(?: read=(\d+))?/.exec(plan);
        parts.push(`#${i + 1} ${exec} ms (buffers ${hit?.[1] ?? '?'}${hit?.[2] ? `+${hit[2]} read` : ''})`);
        lines.push(`=== ${user.username} ${name} #${i + 1}\n${s.sql}\n-- ${JSON.stringify(s.bindings)}\n${plan}\n`);
      }
      console.log(
        `${name.padEnd(32)} ${wall.toFixed(1).padStart(7)} ms wall  ${statements.length} SQL  ${parts.join('  ')}`,
      );
    }
  } finally {
    await knex.client.releaseConnection(pg);
    fs.writeFileSync(out, lines.join('\n'));
    await orm.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
