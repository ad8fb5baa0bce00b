/**
 * `npx tsx bench/probe.ts` (in apps/api): N (default 40) sequential requests against an API on the
 * seeded bench database, printing the slowest ones and the median: one request's own latency, no
 * queueing. Default: the global search with the bench's random queries (Q=term for one term);
 * KIND=clients: the clients list's search; PATH_Q=/api/…: any GET path. USER_NAME (default admin).
 * SERVER_DIR=another checkout's apps/api runs that code's API (A/B).
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
  const at = (q: number) => times[Math.min(n - 1, Math.floor(q * n))][0].toFixed(1);
  console.log(`${n} sequential requests: p50 ${at(0.5)} ms  p90 ${at(0.9)} ms  p99 ${at(0.99)} ms`);
  child.kill();
  process.exit(0);
}
main();
