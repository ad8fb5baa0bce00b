/**
 * The API's own CPU per request, without a load generator or the network: the app in this process,
 * requests through fastify's inject (routing, hooks, tRPC, zod, SQL, JSON) with API_CPU_CONCURRENCY in
 * flight (default 10), API_CPU_N requests per URL (default 4000, after 2000 each to warm up). Prints CPU µs per
 * request for each URL: a steadier A/B of the request path's cost than `pnpm bench`'s loaded runs.
 *   npx tsx bench/api-cpu.ts [url …]   (BENCH_DATABASE_URL or crm_bench on the tests' server; run `pnpm bench` once to seed it)
 */
import { createApp } from '../src/app.js';
import { BENCH_PASSWORD, benchDatabaseUrl } from './seed.js';

const urls = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['/api/clients/?page=1&pageSize=25', '/api/clients/?search=martin', '/api/recherche/?q=mart'];
const N = Number(process.env.API_CPU_N ?? 4000);
const CONC = Number(process.env.API_CPU_CONCURRENCY ?? 10);

const { app, orm } = await createApp({
  databaseUrl: benchDatabaseUrl(process.env),
  env: {
    ...process.env,
    NODE_ENV: 'production',
    COOKIE_SECURE: 'false',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
    RATE_LIMIT_USER_PER_MINUTE: '100000000',
  },
  logger: false,
  poolMax: 10,
});
await app.ready();
const login = await app.inject({
  method: 'POST',
  url: '/api/auth/login/',
  payload: { username: process.env.API_CPU_USER ?? 'admin', password: BENCH_PASSWORD },
});
const token = login.json().access as string;

async function run(url: string, n: number) {
  let next = 0;
  let bad = 0;
  const worker = async () => {
    while (next++ < n) {
      const r = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      if (r.statusCode !== 200) bad++;
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  return bad;
}

// API_CPU_WARM: requests per URL to warm up (default 2000).
for (const url of urls) await run(url, Number(process.env.API_CPU_WARM ?? 2000));
// API_CPU_PROFILE=file.cpuprofile: a CPU profile of the measured requests only.
const { Session } = await import('node:inspector/promises');
const session = process.env.API_CPU_PROFILE ? new Session() : undefined;
session?.connect();
await session?.post('Profiler.enable');
await session?.post('Profiler.start');
// API_CPU_ALLOC=1: what the measured requests allocate (sampled, garbage included), by function.
// API_CPU_ALLOC=live: only what is still alive at the end; =promoted: what outlived the young
// generation (alive at the end, or collected by a full GC only): what makes the old space grow.
const heap = process.env.API_CPU_ALLOC ? new Session() : undefined;
heap?.connect();
await heap?.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: process.env.API_CPU_ALLOC !== 'live',
  includeObjectsCollectedByMinorGC: !['live', 'promoted'].includes(process.env.API_CPU_ALLOC ?? ''),
} as any);
for (const url of urls) {
  if (global.gc) global.gc();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const bad = await run(url, N);
  const c1 = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  console.log(
    `${url.padEnd(48)} ${(((c1.user + c1.system) / N) | 0).toString().padStart(5)} µs CPU/req  ${((N / ms) * 1000).toFixed(0)} req/s${bad ? `  ${bad} not 200` : ''}`,
  );
}
if (heap) {
  const { profile } = (await heap.post('HeapProfiler.stopSampling')) as any;
  const self = new Map<string, number>();
  let total = 0;
  const walk = (n: any) => {
    const f = n.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\/(\.pnpm\/)?/, '').slice(0, 70)}:${f.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + n.selfSize);
    total += n.selfSize;
    for (const c of n.children) walk(c);
  };
  walk(profile.head);
  const n = N * urls.length;
  console.log(`allocated ~${(total / n / 1024).toFixed(1)} KB/req (sampled)`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30))
    console.log(`${(v / n / 1024).toFixed(2).padStart(7)} KB/req  ${k}`);
}
if (session) {
  const { profile } = await session.post('Profiler.stop');
  (await import('node:fs')).writeFileSync(process.env.API_CPU_PROFILE!, JSON.stringify(profile));
}
await app.close();
await orm.close(true);
process.exit(0);
