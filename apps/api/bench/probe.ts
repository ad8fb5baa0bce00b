/**
 * `npx tsx bench/probe.ts` (in apps/api): N (default 40) sequential requests against an API on the
 * seeded bench database, printing the slowest ones and the median: one request's own latency, no
 * queueing. Default: the global search with the bench's random queries (Q=term for one term);
 * KIND=clients: the clients list's search; PATH_Q=/api/…: any GET path. USER_NAME (default admin).
 * SERVER_DIR=another checkout's apps/api runs that code's API (A/B).
 * PROBE_CLASSES=1 adds the mean latency and share of time per kind of query (number, word length).
 * With PostgreSQL's statement log on (log_min_duration_statement) it shows each request's SQL.
 */
import path from 'node:path';
import { login, startServer } from './api.js';
import { benchDatabaseUrl } from './seed.js';
import { clientsSearchTerm, rechercheQuery } from './terms.js';
const env = process.env;
async function main() {
  const { child, port } = await startServer(
    benchDatabaseUrl(env),
    'redis://127.0.0.1:6379',
    env.SERVER_DIR ? path.resolve(env.SERVER_DIR, 'bench', 'server.ts') : undefined,
  );
  process.on('exit', () => child.kill('SIGTERM'));
  const base = `http://127.0.0.1:${port}`;
  const token = await login(base, env.USER_NAME ?? 'admin');
  const n = Number(env.N ?? 40);
  const times: Array<[number, string]> = [];
  for (let i = 0; i < n; i++) {
    const term = env.Q ?? rechercheQuery();
    const t0 = performance.now();
    const url = env.PATH_Q
      ? `${base}${env.PATH_Q}`
      : env.KIND === 'clients'
        ? `${base}/api/clients/?search=${encodeURIComponent(clientsSearchTerm())}`
        : `${base}/api/recherche/?q=${encodeURIComponent(term)}`;
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${token}` },
    });
    await res.arrayBuffer();
    times.push([performance.now() - t0, term]);
  }
  times.sort((a, b) => a[0] - b[0]);
  for (const [t, term] of times.slice(-8)) console.log(t.toFixed(1), term);
  // PROBE_CLASSES=1: the mean and the total per kind of query (a number, a word of 3, 4, 5+ letters).
  if (env.PROBE_CLASSES === '1') {
    const kind = (term: string) => (/^\d+$/.test(term) ? 'number' : `${Math.min([...term].length, 10)} letters`);
    const by = new Map<string, number[]>();
    for (const [t, term] of times) by.set(kind(term), [...(by.get(kind(term)) ?? []), t]);
    const total = times.reduce((s, [t]) => s + t, 0);
    for (const [k, ts] of [...by].sort()) {
      const sum = ts.reduce((s, t) => s + t, 0);
      console.log(
        `${k.padEnd(11)} n ${String(ts.length).padStart(4)}  mean ${(sum / ts.length).toFixed(1).padStart(5)} ms  share of time ${((100 * sum) / total).toFixed(0).padStart(3)} %`,
      );
    }
  }
  const at = (q: number) => times[Math.min(n - 1, Math.floor(q * n))][0].toFixed(1);
  console.log(`${n} sequential requests: p50 ${at(0.5)} ms  p90 ${at(0.9)} ms  p99 ${at(0.99)} ms`);
  child.kill();
  process.exit(0);
}
main();
