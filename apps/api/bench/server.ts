/**
 * The API under load, in its own process (so that autocannon, in the parent, does not share its
 * event loop). With BENCH_INSTANCES > 1 it is a node:cluster of that many API instances on one
 * port, like several instances behind a load balancer. Talks to the parent over IPC:
 *   → { type: 'ready', port }           once listening
 *   ← { type: 'stats' } → { type: 'stats', statements, rss, cpuMicros, gcMs, gcMaxMs }   SQL statements, CPU time and GC pauses so far, summed RSS, longest GC pause since the last call
 */
import cluster from 'node:cluster';
import { PerformanceObserver } from 'node:perf_hooks';
import { createApp } from '../src/app.js';

const databaseUrl = process.env.BENCH_APP_DATABASE_URL!;
const instances = Math.max(1, Number(process.env.BENCH_INSTANCES ?? 1));
const poolMax = Number(process.env.DB_POOL_MAX ?? 10);

interface Stats {
  statements: number;
  rss: number;
  cpuMicros: number;
  /** GC pauses so far (ms), and the longest one since the previous stats call. */
  gcMs: number;
  gcMaxMs: number;
}

/** Every GC pause of this process (the main thread stops for each: all in-flight requests wait). */
let gcMs = 0;
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gcMs += e.duration;
    gcMaxMs = Math.max(gcMaxMs, e.duration);
  }
}).observe({ entryTypes: ['gc'] });

async function startInstance(port: number): Promise<{ port: number; stats: () => Stats }> {
  const { app, orm } = await createApp({
    databaseUrl,
    env: { ...process.env, NODE_ENV: 'production', COOKIE_SECURE: 'false' },
    logger: false,
    poolMax,
  });
  let statements = 0;
  orm.em
    .getConnection()
    .getKnex()
    .on('query', () => {
      statements++;
    });
  await app.listen({ port, host: '127.0.0.1' });
  const address = app.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    stats: () => {
      const cpu = process.cpuUsage();
      const out = { statements, rss: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system, gcMs, gcMaxMs };
      gcMaxMs = 0;
      return out;
    },
  };
}

/** BENCH_PROFILE=dir: a CPU profile of the measured part of each scenario (single instance only). */
async function profiler(dir: string) {
  const { Session } = await import('node:inspector/promises');
  const fs = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  return {
    start: () => session.post('Profiler.start'),
    stop: async (name: string) => {
      const { profile } = await session.post('Profiler.stop');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(profile));
    },
  };
}

async function main() {
  if (instances === 1) {
    const inst = await startInstance(0);
    const prof = process.env.BENCH_PROFILE ? await profiler(process.env.BENCH_PROFILE) : undefined;
    process.on('message', async (m: any) => {
      if (m?.type === 'stats') process.send!({ type: 'stats', ...inst.stats() });
      if (m?.type === 'profile-start') await prof?.start();
      if (m?.type === 'profile-stop') await prof?.stop(m.name);
    });
    process.send!({ type: 'ready', port: inst.port });
    return;
  }
  if (cluster.isPrimary) {
    const port = Number(process.env.BENCH_PORT ?? 0) || 30000 + Math.floor(Math.random() * 20000);
    const workers = Array.from({ length: instances }, () => cluster.fork({ BENCH_WORKER_PORT: String(port) }));
    await Promise.all(
      workers.map(
        (w) => new Promise<void>((resolve) => w.once('message', (m: any) => m?.type === 'ready' && resolve())),
      ),
    );
    process.on('message', async (m: any) => {
      if (m?.type !== 'stats') return;
      const all = await Promise.all(
        workers.map(
          (w) =>
            new Promise<Stats>((resolve) => {
              w.once('message', (s: any) => resolve(s));
              w.send({ type: 'stats' });
            }),
        ),
      );
      process.send!({
        type: 'stats',
        statements: all.reduce((a, s) => a + s.statements, 0),
        rss: process.memoryUsage().rss + all.reduce((a, s) => a + s.rss, 0),
        cpuMicros: all.reduce((a, s) => a + s.cpuMicros, 0),
        gcMs: all.reduce((a, s) => a + s.gcMs, 0),
        gcMaxMs: Math.max(...all.map((s) => s.gcMaxMs)),
      });
    });
    process.send!({ type: 'ready', port });
    return;
  }
  const inst = await startInstance(Number(process.env.BENCH_WORKER_PORT));
  process.on('message', (m: any) => {
    if (m?.type === 'stats') process.send!({ type: 'stats', ...inst.stats() });
  });
  process.send!({ type: 'ready', port: inst.port });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
