/**
 * `pnpm bench`: seeds a large database (100k clients, 200k opportunités, 300k tâches) and load-tests
 * the hot endpoints with wrk (autocannon when wrk is not installed; BENCH_LOADER) against the API running in a child process (BENCH_INSTANCES
 * instances on one port). Prints one human line and one `BENCH {json}` line per scenario.
 *
 * Environment: BENCH_DATABASE_URL (default crm_bench on the tests' server, dropped and recreated),
 * BENCH_SKIP_SEED=1 (reuse it), BENCH_DURATION (s, default 10), BENCH_CONNECTIONS (default 10),
 * BENCH_INSTANCES (default 1), BENCH_REDIS_URL (default redis://127.0.0.1:6379 when reachable; '' for none),
 * BENCH_ONLY (comma-separated scenario names), BENCH_PROFILE=dir (CPU profile of each measured run, one instance),
 * BENCH_NODE_ARGS (extra node flags of the API process).
 * The list matrix (scenario name `matrix`, see matrix.ts): BENCH_CELL_DURATION (s per cell, default 1, after
 * BENCH_CELL_WARMUP s, default 0.5; BENCH_MATRIX_WARMUP s of load over the cells' paths before the first, default 3),
 * BENCH_MATRIX=regex (only the cells whose name matches), BENCH_MATRIX_OUT=file (JSON).
 * Kanban moves (scenario `moves`, see moves.ts; a second API on a `<name>_small` database with 100-card columns):
 * BENCH_TOP_MOVES (moves to the top, then deep into the column, per column size, default 300 each, after
 * BENCH_MOVES_WARMUP unmeasured ones, default 500), BENCH_MOVES (random moves counted for rows written, default 10000).
 * BENCH_SCALE multiplies the seeded rows (10: 1M clients, 2M opportunités, 3M tâches); BENCH_SEED_STEPS=1 logs every
 * step of the seed (its connection and when it ended).
 * BENCH_BASELINE=dir: the `apps/api` folder of another checkout (e.g. `git archive` of an older commit, with this
 * one's node_modules linked): its API runs on the same database and each matrix cell is measured on it and then on
 * this code, back to back, so that both see the same load of a shared machine. BENCH_COMPARE_DATABASE_URL: the same, but
 * this code on another database (scale growth: BENCH_DATABASE_URL=…/crm_bench10 seeded with BENCH_SCALE=10, compared
 * with …/crm_bench at scale 1; run with BENCH_SCALE=1 so that every cell's ids and terms exist in both).
 * Imports are measured apart: `pnpm --filter @crm/api bench:import` (bench/import.ts) imports 50 000 client rows
 * from a CSV through the API and its background job (IMPORT_ROWS, IMPORT_EXISTING) and prints each step's time.
 */
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import {
  COMMERCIAUX,
  ETAPES,
  SIZES,
  TIMELINE_CLIENT,
  benchDatabaseUrl,
  freshBenchDatabase,
  seedBenchDatabase,
  sizesFor,
} from './seed.js';
import { randomMoves, topMoves } from './moves.js';
import { login, startServer, stats } from './api.js';
import { LOADER, load, type Scenario } from './load.js';
import { clientsSearchTerm, rand, rechercheQuery } from './terms.js';
import { matrixCells, P99_TARGET_MS } from './matrix.js';

const env = process.env;
const duration = Number(env.BENCH_DURATION ?? 10);
const connections = Number(env.BENCH_CONNECTIONS ?? 10);
const instances = Number(env.BENCH_INSTANCES ?? 1);
const only = env.BENCH_ONLY ? new Set(env.BENCH_ONLY.split(',')) : undefined;

function reachable(url: string): Promise<boolean> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 6379) });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(500, () => done(false));
  });
}

async function main() {
  const started = Date.now();
  let databaseUrl: string;
  if (env.BENCH_SKIP_SEED === '1') {
    databaseUrl = benchDatabaseUrl(env);
  } else {
    databaseUrl = await freshBenchDatabase(env);
    console.log(
      `seeding ${new URL(databaseUrl).pathname.slice(1)}: ${JSON.stringify(SIZES)}, ${COMMERCIAUX} commerciaux`,
    );
    await seedBenchDatabase(databaseUrl);
  }
  const redisCandidate = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisUrl = redisCandidate && (await reachable(redisCandidate)) ? redisCandidate : undefined;
  const { child, port } = await startServer(databaseUrl, redisUrl);
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    const admin = await login(baseUrl, 'admin');
    const commercial = await login(baseUrl, 'commercial1');
    const openapi = (await (await fetch(`${baseUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const has = (p: string, method: string) => Boolean(openapi.paths[p]?.[method]);

    const scenarios: Array<Scenario & { token: string; skip?: string }> = [
      { name: 'clients-list', path: '/api/clients/?page=1&pageSize=25', token: admin },
      // The same procedure over tRPC (what the SPA and @crm/client use), without the REST adapter.
      {
        name: 'clients-list-trpc',
        path: `/trpc/clients.list?input=${encodeURIComponent(JSON.stringify({ page: 1, pageSize: 25 }))}`,
        token: admin,
      },
      { name: 'clients-list-commercial', path: '/api/clients/?page=1&pageSize=25', token: commercial },
      { name: 'clients-list-page-40', path: '/api/clients/?page=40&pageSize=25&ordering=nom', token: admin },
      {
        name: 'clients-search',
        // A surname typed without accents and in lower case (matches a handful of clients), or an e-mail.
        path: () => `/api/clients/?search=${encodeURIComponent(clientsSearchTerm())}`,
        token: admin,
      },
      {
        name: 'recherche',
        // Global search as typed in the palette: a surname's first 3 to 9 letters (accents and case
        // dropped), a full surname, or a devis number.
        path: () => `/api/recherche/?q=${encodeURIComponent(rechercheQuery())}`,
        token: admin,
        skip: has('/recherche/', 'get') ? undefined : 'GET /api/recherche/ does not exist yet',
      },
      {
        name: 'recherche-commercial',
        path: () => `/api/recherche/?q=${encodeURIComponent(rechercheQuery())}`,
        token: commercial,
        skip: has('/recherche/', 'get') ? undefined : 'GET /api/recherche/ does not exist yet',
      },
      { name: 'client-detail', path: () => `/api/clients/${rand(SIZES.clients)}/`, token: admin },
      {
        name: 'dashboard-stats',
        path: '/api/dashboard/stats/',
        token: admin,
        skip: has('/dashboard/stats/', 'get') ? undefined : 'GET /api/dashboard/stats/ does not exist yet',
      },
      {
        name: 'timeline-client-10k',
        // A client with 10 000 timeline items: the first page, or a page deep in its history (a cursor
        // at a random instant of the last 2 years; format of services/timeline.ts).
        path: () => {
          if (Math.random() < 0.5) return `/api/clients/${TIMELINE_CLIENT}/timeline/?pageSize=25`;
          const at = new Date(Date.now() - Math.random() * 2 * 365 * 86_400_000).toISOString().replace('Z', '000Z');
          const cursor = Buffer.from(JSON.stringify([at, 0, 2_000_000_000])).toString('base64url');
          return `/api/clients/${TIMELINE_CLIENT}/timeline/?pageSize=25&cursor=${cursor}`;
        },
        token: admin,
        skip: has('/clients/{id}/timeline/', 'get') ? undefined : 'GET /api/clients/{id}/timeline/ does not exist yet',
      },
      {
        name: 'kanban-move',
        method: 'PATCH',
        // Opportunités not at `conclusion` (moving there needs a resultat): ids with id % 5 != 4.
        path: () => {
          let id = rand(SIZES.opportunites);
          if (id % 5 === 4) id--;
          return `/api/opportunites/${id}/`;
        },
        body: () => ({ etape: ETAPES[Math.floor(Math.random() * 4)], position: Math.floor(Math.random() * 50) }),
        // Moves of one column are serialized by the board's locks: more connections only queue.
        connections: 2,
        timeout: 60,
        token: admin,
        skip: has('/opportunites/{id}/', 'patch') ? undefined : 'PATCH /api/opportunites/{id}/ does not exist yet',
      },
    ];

    // Latency of answers that are not in the answer cache: each request follows a write (which
    // bumps the cache's data version), one at a time; only the measured request's statements count.
    const uncached = async (name: string, path: string, token: string, samples = 40) => {
      if (only && !only.has(name)) return;
      const write = () =>
        fetch(`${baseUrl}/api/clients/1/`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ notes: `bench ${Date.now()}` }),
        });
      const times: number[] = [];
      let statements = 0;
      for (let i = 0; i < samples + 3; i++) {
        await write();
        const before = await stats(child);
        const t0 = performance.now();
        const res = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        const ms = performance.now() - t0;
        const after = await stats(child);
        if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
        if (i < 3) continue; // warm-up
        times.push(ms);
        statements += after.statements - before.statements;
      }
      times.sort((x, y) => x - y);
      const pct = (p: number) =>
        Number(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(1));
      const sqlPerReq = statements / samples;
      console.log(
        `${name.padEnd(24)}   sequential, after a write each time: p50 ${pct(50)} ms  p99 ${pct(99)} ms  ${sqlPerReq.toFixed(2)} SQL/req  (${samples} samples)`,
      );
      console.log(
        `BENCH ${JSON.stringify({ scenario: name, p50: pct(50), p99: pct(99), sqlPerReq: Number(sqlPerReq.toFixed(2)), samples })}`,
      );
    };

    console.log(
      `API: ${instances} instance(s), pool ${env.DB_POOL_MAX ?? 10}, Redis ${redisUrl ? 'on' : 'off'}; ${LOADER} ${connections} connections, ${duration} s per scenario (after a 3 s warm-up)`,
    );
    // BENCH_BASELINE: another checkout's API on the same database; each scenario (and each matrix
    // cell) is measured on it, then on this code, back to back (same sessions: same database and secret).
    const baseline = env.BENCH_BASELINE
      ? await startServer(databaseUrl, redisUrl, path.join(path.resolve(env.BENCH_BASELINE), 'bench', 'server.ts'))
      : undefined;
    const measure = async (s: Scenario & { token: string }, base: string, server: typeof child, label: string) => {
      const name = `${label}${s.name}`;
      await load(base, s.token, s, { duration: 3, connections });
      const before = await stats(server);
      if (env.BENCH_PROFILE) server.send({ type: 'profile-start' });
      const r = await load(base, s.token, s, { duration, connections });
      if (env.BENCH_PROFILE) server.send({ type: 'profile-stop', name: s.name });
      const after = await stats(server);
      const sqlPerReq = r.requests ? (after.statements - before.statements) / r.requests : 0;
      const rssMb = Math.round(after.rss / 1048576);
      // API CPU time per request: steadier than req/s when the machine is shared.
      const cpuMsPerReq = r.requests ? (after.cpuMicros - before.cpuMicros) / 1000 / r.requests : 0;
      // The API's GC pauses during the run, per second, and the longest: each stops every in-flight request.
      // (An older checkout's server, BENCH_BASELINE, does not report them: 0.)
      const gcMsPerS = ((after.gcMs ?? 0) - (before.gcMs ?? 0)) / duration;
      const gcMaxMs = Math.round(after.gcMaxMs ?? 0);
      if (!r.requests) {
        console.log(
          `${name.padEnd(24)} no request completed in ${duration} s (non-2xx ${r.non2xx}, errors ${r.errors})`,
        );
        console.log(`BENCH ${JSON.stringify({ scenario: name, requests: 0, non2xx: r.non2xx, errors: r.errors })}`);
        return;
      }
      console.log(
        `${name.padEnd(24)} ${String(r.reqPerSec).padStart(6)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(3)} ms  ` +
          `${sqlPerReq.toFixed(2)} SQL/req  API CPU ${cpuMsPerReq.toFixed(2)} ms/req  GC ${gcMsPerS.toFixed(0)} ms/s (max ${gcMaxMs})  RSS ${rssMb} MB${s.connections ? `  (${s.connections} connections)` : ''}${r.non2xx || r.errors ? `  (non-2xx ${r.non2xx}, errors ${r.errors})` : ''}`,
      );
      console.log(
        `BENCH ${JSON.stringify({ scenario: name, reqPerSec: r.reqPerSec, p50: r.p50, p99: r.p99, sqlPerReq: Number(sqlPerReq.toFixed(2)), cpuMsPerReq: Number(cpuMsPerReq.toFixed(3)), gcMsPerS: Number(gcMsPerS.toFixed(1)), gcMaxMs, rssMb, requests: r.requests, non2xx: r.non2xx, errors: r.errors, instances, connections: s.connections ?? connections, duration, redis: Boolean(redisUrl) })}`,
      );
    };
    for (const s of scenarios) {
      if (only && !only.has(s.name)) continue;
      if (s.skip) {
        console.log(`${s.name.padEnd(24)} skipped: ${s.skip}`);
        console.log(`BENCH ${JSON.stringify({ scenario: s.name, skipped: s.skip })}`);
        continue;
      }
      if (baseline) await measure(s, `http://127.0.0.1:${baseline.port}`, baseline.child, 'baseline ');
      await measure(s, baseUrl, child, '');
    }
    // One request at a time (no queueing behind the other connections): the latency of a page itself.
    const sequential = async (name: string, path: () => string, token: string, samples = 200) => {
      if (only && !only.has(name)) return;
      const times: number[] = [];
      const before = await stats(child);
      for (let i = 0; i < samples + 10; i++) {
        const t0 = performance.now();
        const res = await fetch(`${baseUrl}${path()}`, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status}`);
        if (i >= 10) times.push(performance.now() - t0);
      }
      const after = await stats(child);
      times.sort((x, y) => x - y);
      const pct = (p: number) =>
        Number(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(1));
      const sqlPerReq = (after.statements - before.statements) / (samples + 10);
      console.log(
        `${name.padEnd(24)}   sequential: p50 ${pct(50)} ms  p99 ${pct(99)} ms  ${sqlPerReq.toFixed(2)} SQL/req  (${samples} samples)`,
      );
      console.log(
        `BENCH ${JSON.stringify({ scenario: name, p50: pct(50), p99: pct(99), sqlPerReq: Number(sqlPerReq.toFixed(2)), samples })}`,
      );
    };
    const timeline = scenarios.find((s) => s.name === 'timeline-client-10k');
    if (timeline && !timeline.skip)
      await sequential('timeline-client-10k-sequential', timeline.path as () => string, admin);

    if (!only || only.has('matrix')) {
      // The "before" server: another checkout's code on this database (BENCH_BASELINE), or this code on
      // another database (BENCH_COMPARE_DATABASE_URL: e.g. the scale-1 data beside a BENCH_SCALE=10 one).
      const compareUrl = env.BENCH_COMPARE_DATABASE_URL;
      const other = baseline ?? (compareUrl ? await startServer(compareUrl, redisUrl) : undefined);
      const baselineBase = other && `http://127.0.0.1:${other.port}`;
      // Sessions live in each database: the compared one needs its own tokens.
      const baselineTokens =
        baselineBase && compareUrl
          ? { admin: await login(baselineBase, 'admin'), commercial: await login(baselineBase, 'commercial1') }
          : undefined;
      try {
        // Access tokens live 15 minutes; a long matrix logs in again every 10.
        let tokens = { admin, commercial, at: Date.now() };
        const fresh = async () => {
          if (Date.now() - tokens.at > 600_000)
            tokens = {
              admin: await login(baseUrl, 'admin'),
              commercial: await login(baseUrl, 'commercial1'),
              at: Date.now(),
            };
          return tokens;
        };
        await runMatrix(
          baseUrl,
          fresh,
          child,
          other && {
            baseUrl: baselineBase!,
            child: other.child,
            tokens: baselineTokens,
            tags: compareUrl
              ? [`${new URL(compareUrl).pathname.slice(1)} `, `${new URL(databaseUrl).pathname.slice(1)} `]
              : undefined,
          },
        );
      } finally {
        if (other !== baseline) other?.child.kill('SIGTERM');
      }
    }
    baseline?.child.kill('SIGTERM');
    if (!only || only.has('moves')) await runMoves(baseUrl, await login(baseUrl, 'admin'), databaseUrl, redisUrl);
    if (has('/dashboard/stats/', 'get')) {
      await uncached('dashboard-stats-uncached', '/api/dashboard/stats/', admin);
      await uncached('dashboard-stats-uncached-commercial', '/api/dashboard/stats/', commercial);
    }
  } finally {
    child.kill('SIGTERM');
  }
  console.log(`bench done in ${Math.round((Date.now() - started) / 1000)} s`);
  process.exit(0);
}

/** The same top-of-column move in a 40 000-card and a 100-card column, then rows written per random move. */
async function runMoves(baseUrl: string, admin: string, databaseUrl: string, redisUrl: string | undefined) {
  const smallUrl = await freshBenchDatabase(env, '_small');
  const smallSizes = sizesFor(0.0025);
  await seedBenchDatabase(smallUrl, () => {}, smallSizes);
  const small = await startServer(smallUrl, redisUrl);
  try {
    const smallBase = `http://127.0.0.1:${small.port}`;
    const perColumn = (n: number) => Math.round(n / 5);
    const big = {
      label: `${perColumn(SIZES.opportunites)}-card column`,
      baseUrl,
      token: admin,
      opportunites: SIZES.opportunites,
    };
    const little = {
      label: `${perColumn(smallSizes.opportunites)}-card column`,
      baseUrl: smallBase,
      token: await login(smallBase, 'admin'),
      opportunites: smallSizes.opportunites,
    };
    const top = await topMoves([big, little], Number(env.BENCH_TOP_MOVES ?? 300));
    const deep = await topMoves([big, little], Number(env.BENCH_TOP_MOVES ?? 300), 25, 'deep');
    const ratio = top[big.label].p50 / top[little.label].p50;
    const deepRatio = deep[big.label].p50 / deep[little.label].p50;
    for (const [what, moves] of [
      ['to top', top],
      ['deep in', deep],
    ] as const) {
      for (const [label, r] of Object.entries(moves)) {
        console.log(
          `move ${what}, ${label.padEnd(20)} p50 ${r.p50} ms  p99 ${r.p99} ms  (sequential, batches alternating with the other column${r.errors ? `, ${r.errors} errors` : ''})`,
        );
      }
    }
    console.log(
      `move p50 ratio big/small ${ratio.toFixed(2)} to the top, ${deepRatio.toFixed(2)} deep (target ≤ 1.5; big p50 target ≤ 5 ms)`,
    );
    const random = await randomMoves(big, databaseUrl, Number(env.BENCH_MOVES ?? 10_000));
    console.log(
      `random moves: ${random.rowsPerMove} rows written per move (target ≤ 3), p50 ${random.p50} ms  p99 ${random.p99} ms, ${random.seconds} s, errors ${random.errors}`,
    );
    console.log(
      `BENCH ${JSON.stringify({ scenario: 'moves', top, ratio: Number(ratio.toFixed(2)), deep, deepRatio: Number(deepRatio.toFixed(2)), random })}`,
    );
  } finally {
    small.child.kill('SIGTERM');
  }
}

/** Every list cell at BENCH_CONNECTIONS connections; flags p99 above the target, then the worst cells. */
async function runMatrix(
  baseUrl: string,
  tokens: () => Promise<{ admin: string; commercial: string }>,
  child: ChildProcess,
  baseline?: {
    baseUrl: string;
    child: ChildProcess;
    /** Its own tokens (another database), else the same as this server's. */
    tokens?: { admin: string; commercial: string };
    /** Labels of the two measures of a cell (default `before ` / `after  `). */
    tags?: [string, string];
  },
) {
  const cellDuration = Number(env.BENCH_CELL_DURATION ?? 1);
  const warmup = Number(env.BENCH_CELL_WARMUP ?? 0.5);
  const filter = env.BENCH_MATRIX ? new RegExp(env.BENCH_MATRIX) : undefined;
  const cells = matrixCells(await tokens()).filter((c) => !filter || filter.test(c.name));
  console.log(
    `matrix: ${cells.length} cells, ${connections} connections, ${cellDuration} s per cell after ${warmup} s warm-up; ! = p99 > ${P99_TARGET_MS} ms`,
  );
  const out: Array<Record<string, unknown>> = [];
  // Requests abandoned by autocannon at the end of a slow run still queue in the API: one
  // sequential request waits for them (so they do not slow the next run) and times one request alone.
  const alone = async (url: string, c: (typeof cells)[number]) => {
    const t0 = performance.now();
    const res = await fetch(`${url}${typeof c.path === 'string' ? c.path : c.path()}`, {
      headers: { authorization: `Bearer ${c.token}` },
      signal: AbortSignal.timeout(120_000),
    });
    await res.arrayBuffer();
    return { status: res.status, ms: Math.round(performance.now() - t0) };
  };
  const measure = async (url: string, server: ChildProcess, c: (typeof cells)[number], tag: string) => {
    if (warmup > 0) {
      await load(url, c.token, c, { duration: warmup, connections });
      await alone(url, c);
    }
    const before = await stats(server);
    const r = await load(url, c.token, c, { duration: cellDuration, connections });
    const after = await stats(server);
    const drain = await alone(url, c);
    const seqMs = drain.ms;
    const sqlPerReq = r.requests ? (after.statements - before.statements) / r.requests : 0;
    const slow = !r.requests || r.p99 > P99_TARGET_MS || r.non2xx > 0 || r.errors > 0 || drain.status !== 200;
    console.log(
      `${slow ? '!' : ' '} ${tag}${c.name.padEnd(58)} ${String(r.reqPerSec).padStart(7)} req/s  p50 ${r.requests ? String(r.p50).padStart(5) : '    -'} ms  ` +
        `p99 ${r.requests ? String(r.p99).padStart(5) : `>${cellDuration * 1000}`.padStart(5)} ms  alone ${String(seqMs).padStart(5)} ms  ${sqlPerReq.toFixed(1)} SQL/req` +
        `${r.non2xx || r.errors ? `  (non-2xx ${r.non2xx}, errors ${r.errors})` : ''}`,
    );
    return {
      reqPerSec: r.reqPerSec,
      p50: r.requests ? r.p50 : null,
      p99: r.requests ? r.p99 : cellDuration * 1000,
      aloneMs: seqMs,
      status: drain.status,
      sqlPerReq: Number(sqlPerReq.toFixed(2)),
      non2xx: r.non2xx,
      errors: r.errors,
      slow,
    };
  };
  // The API starts cold (its JIT compiles the hot paths during the first seconds): the first cells
  // measured ~half the throughput they had later in the run (`taches - admin` first: 355 req/s; in
  // the whole run: 1 300). BENCH_MATRIX_WARMUP seconds (default 3) of load over the cells' paths first.
  const matrixWarmup = Number(env.BENCH_MATRIX_WARMUP ?? 3);
  if (matrixWarmup > 0 && cells.length) {
    const first = cells[0]!;
    const same = cells.filter((c) => c.role === first.role);
    const pathOf = (c: (typeof cells)[number]) => (typeof c.path === 'string' ? c.path : c.path());
    const spread = {
      ...first,
      token: (await tokens())[first.role],
      path: () => pathOf(same[Math.floor(Math.random() * same.length)]!),
    };
    if (baseline)
      await load(baseline.baseUrl, baseline.tokens?.[first.role] ?? spread.token, spread, {
        duration: matrixWarmup,
        connections,
      });
    await load(baseUrl, spread.token, spread, { duration: matrixWarmup, connections });
  }
  for (const c of cells) {
    c.token = (await tokens())[c.role];
    const [tagBefore, tagAfter] = baseline?.tags ?? ['before ', 'after  '];
    const base = baseline
      ? await measure(
          baseline.baseUrl,
          baseline.child,
          baseline.tokens ? { ...c, token: baseline.tokens[c.role] } : c,
          tagBefore,
        )
      : undefined;
    const now = await measure(baseUrl, child, c, baseline ? tagAfter : '');
    out.push({ cell: c.name, list: c.list, kind: c.kind, role: c.role, ...now, ...(base ? { before: base } : {}) });
  }
  const flagged = out.filter((c) => c.slow);
  const worst = [...out].sort((a, b) => Number(b.p99) - Number(a.p99)).slice(0, 10);
  console.log(
    `matrix: ${flagged.length}/${out.length} cells over p99 ${P99_TARGET_MS} ms (or with errors); worst p99:`,
  );
  for (const c of worst) console.log(`    ${String(c.cell).padEnd(58)} p99 ${c.p99} ms  ${c.reqPerSec} req/s`);
  console.log(
    `BENCH ${JSON.stringify({ scenario: 'matrix', cells: out.length, flagged: flagged.length, worst: worst.map((c) => ({ cell: c.cell, p99: c.p99 })) })}`,
  );
  if (env.BENCH_MATRIX_OUT) {
    const fs = await import('node:fs');
    fs.writeFileSync(
      env.BENCH_MATRIX_OUT,
      `${JSON.stringify({ date: new Date().toISOString(), connections, cellDuration, cells: out }, null, 1)}\n`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
