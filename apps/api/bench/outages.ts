/**
 * `pnpm --filter @crm/api bench:outages`: latency under dependency faults, through real TCP proxies
 * (test/tcpProxy.ts) in front of the local PostgreSQL and Redis, the API in process (inject).
 *
 * Two API instances on one database: one whose Redis stays up, one whose Redis proxy is stopped,
 * left unanswering, or partitioned. Their logins and writes are interleaved call by call, so that
 * machine noise hits both alike; the report compares their p50/p99. Then PostgreSQL is
 * partitioned: latency of /api/health/ (503) and of requests (503 + Retry-After).
 * OUTAGE_SAMPLES (default 100) calls per measure.
 */
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@crm/db';
import { createApp, type App } from '../src/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import { sql } from '../src/lib/sql/runner.js';
import { TcpProxy } from '../test/tcpProxy.js';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.env.OUTAGE_SAMPLES ?? 100);
const PASSWORD = 'Bench-outage-2026';

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(1).padStart(7)} ms  p99 ${pct(xs, 99).toFixed(1).padStart(7)} ms`;

async function main() {
  const db = await createTestDatabase('crm_outage');
  const pgProxy = TcpProxy.forUrl(db.url);
  const redisProxy = TcpProxy.forUrl(REDIS_URL);
  await pgProxy.start();
  await redisProxy.start();
  const prefix = `crm:outage:${randomBytes(3).toString('hex')}:`;
  const instance = (redisUrl: string) =>
    createApp({
      databaseUrl: pgProxy.urlFor(db.url),
      env: {
        NODE_ENV: 'production',
        JWT_SECRET: 'outage-bench-secret-0123456789abcdef',
        REDIS_URL: redisUrl,
        REDIS_PREFIX: prefix,
        LOG_LEVEL: 'silent',
      },
      config: { secureCookies: false, dbStatementTimeoutMs: 2_000 },
    });
  const up = await instance(REDIS_URL);
  const faulty = await instance(redisProxy.urlFor(REDIS_URL));
  try {
    await Promise.all([up.deps.sessionCache.ready(), faulty.deps.sessionCache.ready()]);
    await sql(
      up.orm.em.fork(),
      `insert into users (username, email, password_hash, role) values ('bench', 'bench@example.fr', ?, 'admin')`,
      [await hashPassword(PASSWORD)],
    );
    const login = (app: App) =>
      app.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { username: 'bench', password: PASSWORD } });
    const token = (await login(up)).json().access as string;
    let n = 0;
    const write = (app: App) =>
      app.app.inject({
        method: 'POST',
        url: '/api/clients/',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ nom: `C${++n}` }),
      });
    const timed = async (call: () => Promise<{ statusCode: number }>, expected: number, into: number[]) => {
      const t0 = performance.now();
      const res = await call();
      into.push(performance.now() - t0);
      if (res.statusCode !== expected) throw new Error(`status ${res.statusCode}, expected ${expected}`);
    };
    const compare = async (label: string) => {
      for (let i = 0; i < 3; i++) await login(faulty); // warm-up (and the one command timeout that trips the breaker)
      for (const [what, call, status] of [
        ['login', login, 200],
        ['write', write, 201],
      ] as const) {
        const normal: number[] = [];
        const degraded: number[] = [];
        for (let i = 0; i < N; i++) {
          await timed(() => call(up), status, normal);
          await timed(() => call(faulty), status, degraded);
        }
        const ratio = pct(degraded, 99) / pct(normal, 99);
        console.log(
          `${what} ${label.padEnd(26)} Redis up: ${fmt(normal)}   faulty: ${fmt(degraded)}   p99 ratio ${ratio.toFixed(2)}`,
        );
      }
    };

    await compare('(all up)');
    await redisProxy.stop();
    await compare('Redis stopped');
    await redisProxy.start('blackhole');
    await compare('Redis not answering');
    await redisProxy.stop();
    await redisProxy.start();
    await new Promise((r) => setTimeout(r, 3_000));
    redisProxy.stall();
    await compare('Redis partitioned');

    pgProxy.stall();
    const health: number[] = [];
    for (let i = 0; i < 5; i++) await timed(() => up.app.inject({ method: 'GET', url: '/api/health/' }), 503, health);
    console.log(`PostgreSQL partitioned: /api/health/ 503 in ${fmt(health)}`);
    const list: number[] = [];
    for (let i = 0; i < 20; i++)
      await timed(
        () => up.app.inject({ method: 'GET', url: '/api/clients/', headers: { authorization: `Bearer ${token}` } }),
        503,
        list,
      );
    console.log(`PostgreSQL partitioned: GET /api/clients/ 503 in ${fmt(list)} (breaker open after the probe)`);
    pgProxy.resume();
  } finally {
    await Promise.all([up.close(), faulty.close()]);
    await pgProxy.stop();
    await redisProxy.stop();
    await db.drop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
