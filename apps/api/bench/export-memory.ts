/**
 * Memory of list exports on the bench database (seed it first with `pnpm bench`): the API runs in
 * its own process (bench/server.ts); each export is downloaded and discarded while the API's RSS
 * is sampled every 50 ms. Prints rows, bytes, seconds and peak RSS per export.
 *
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench npx tsx bench/export-memory.ts
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_PASSWORD } from './seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/crm_bench';

const child = fork(path.join(here, 'server.ts'), [], {
  execArgv: ['--import', 'tsx', ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [])],
  env: {
    ...process.env,
    BENCH_APP_DATABASE_URL: databaseUrl,
    BENCH_INSTANCES: '1',
    REDIS_URL: '',
    JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
  },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const port = await new Promise<number>((resolve, reject) => {
  child.once('message', (m: any) => (m?.type === 'ready' ? resolve(m.port) : reject(new Error(String(m)))));
  child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
});
const rss = () =>
  new Promise<number>((resolve) => {
    child.once('message', (m: any) => resolve(m.rss));
    child.send({ type: 'stats' });
  });

const base = `http://127.0.0.1:${port}`;
const login = await fetch(`${base}/api/auth/login/`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'admin', password: BENCH_PASSWORD }),
});
const { access } = (await login.json()) as { access: string };

try {
  console.log(`API RSS at rest: ${Math.round((await rss()) / 1e6)} MB`);
  for (const url of [
    '/api/clients/export/?format=csv',
    '/api/clients/export/?format=xlsx',
    '/api/opportunites/export/?format=csv',
    '/api/taches/export/?format=xlsx',
  ]) {
    let peak = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, await rss());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const t0 = performance.now();
    const res = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${access}` } });
    let bytes = 0;
    let newlines = 0;
    for await (const chunk of res.body as any as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      if (url.includes('csv')) for (const b of chunk) if (b === 10) newlines++;
    }
    sampling = false;
    await sampler;
    const rows = url.includes('csv') ? `${newlines - 1} rows` : 'xlsx';
    console.log(
      `${url}: ${res.status}, ${rows}, ${(bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s, API peak RSS ${Math.round(peak / 1e6)} MB`,
    );
    console.log(
      `EXPORT ${JSON.stringify({ url, status: res.status, bytes, seconds: Number(((performance.now() - t0) / 1000).toFixed(1)), peakRssMb: Math.round(peak / 1e6) })}`,
    );
  }
} finally {
  child.kill();
}
