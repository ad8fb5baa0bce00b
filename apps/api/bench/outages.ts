/**
 * `pnpm --filter @crm/api bench:outages`: latency under dependency faults, measured through real TCP
 * proxies (test/tcpProxy.ts) in front of the local PostgreSQL and Redis, the API in process (inject).
 * Prints p50/p99/max of logins and writes with Redis up, stopped, unreachable and partitioned, and
 * of /api/health/ with PostgreSQL partitioned. Small data on purpose: it measures what the faults add.
 */
import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@crm/db';
import { createApp } from '../src/app.js';
import { hashPassword } from '../src/auth/passwords.js';
import { sql } from '../src/lib/db.js';
import { TcpProxy } from '../test/tcpProxy.js';

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.env.OUTAGE_SAMPLES ?? 100);
const PASSWORD = 'Bench-outage-2026';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const fmt = (xs: number[]) => `p50 ${pct(xs, 50).toFixed(1)} ms  p99 ${pct(xs, 99).toFixed(1)} ms  max ${Math.max(...xs).toFixed(1)} ms`;

async function main() {
  const db = await createTestDatabase('crm_outage');
  const pgProxy = TcpProxy.forUrl(db.url);
  const redisProxy = TcpProxy.forUrl(REDIS_URL);
  await pgProxy.start();
  await redisProxy.start();
  const app = await createApp({
    databaseUrl: pgProxy.urlFor(db.url),
    env: { NODE_ENV: 'production', JWT_SECRET: randomBytes(32).toString('hex'), REDIS_URL: redisProxy.urlFor(REDIS_URL), REDIS_PREFIX: `crm:outage:${randomBytes(3).toString('hex')}:` },
    config: { secureCookies: false, dbStatementTimeoutMs: 2_000 },
  });
  try {
    await app.deps.sessionCache.ready();
    await sql(app.orm.em.fork(), `insert into users (username, email, password_hash, role) values ('bench', 'bench@example.fr', ?, 'admin')`, [await hashPassword(PASSWORD)]);
    const login = () => app.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { username: 'bench', password: PASSWORD } });
    const token = (await login()).json().access as string;
    let n = 0;
    const write = () =>
      app.app.inject({ method: 'POST', url: '/api/clients/', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: JSON.stringify({ nom: `C${++n}` }) });
    const time = async (call: () => Promise<{ statusCode: number }>, expected: number, count = N) => {
      const out: number[] = [];
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        const res = await call();
        out.push(performance.now() - t0);
        if (res.statusCode !== expected) throw new Error(`status ${res.statusCode}, expected ${expected}`);
      }
      return out;
    };
    const measure = async (label: string) => {
      await time(login, 200, 5); // warm-up (and, when partitioned, the one command timeout that trips the breaker)
      console.log(`${label.padEnd(28)} login  ${fmt(await time(login, 200))}`);
      console.log(`${label.padEnd(28)} write  ${fmt(await time(write, 201))}`);
    };

    await measure('Redis up');
    await redisProxy.stop();
    await measure('Redis stopped');
    await redisProxy.start('blackhole');
    await measure('Redis unreachable (no answer)');
    await redisProxy.stop();
    await redisProxy.start();
    await new Promise((r) => setTimeout(r, 3_000));
    redisProxy.stall();
    await measure('Redis partitioned');
    await redisProxy.stop();
    await redisProxy.start();

    pgProxy.stall();
    const health = await time(() => app.app.inject({ method: 'GET', url: '/api/health/' }), 503, 5);
    console.log(`${'PostgreSQL partitioned'.padEnd(28)} health ${fmt(health)}`);
    const requests = await time(() => app.app.inject({ method: 'GET', url: '/api/clients/', headers: { authorization: `Bearer ${token}` } }), 503, 20);
    console.log(`${'PostgreSQL partitioned'.padEnd(28)} list   ${fmt(requests)} (503 + Retry-After)`);
    pgProxy.resume();
  } finally {
    await app.close();
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
