/**
 * `tsx bench/profile-moves.ts`: sequential kanban moves (to the top of `proposition`) against an API on
 * the bench database (BENCH_SKIP_SEED data, `pnpm bench` seeds it), with the API's CPU time, SQL
 * statements per move, and (PROFILE_DIR=dir) a CPU profile of the measured moves. MOVES (default 300);
 * SERVER_DIR=another checkout's apps/api runs that code's API instead (A/B on the same database).
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_PASSWORD, benchDatabaseUrl, SIZES } from './seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const moves = Number(env.MOVES ?? 300);

async function main() {
  const child = fork(path.join(env.SERVER_DIR ? path.resolve(env.SERVER_DIR, 'bench') : here, 'server.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...env,
      BENCH_APP_DATABASE_URL: benchDatabaseUrl(env),
      BENCH_PROFILE: env.PROFILE_DIR ?? '',
      REDIS_URL: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
      JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
      RATE_LIMIT_USER_PER_MINUTE: '100000000',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) => child.once('message', (m: any) => resolve(m.port)));
  const ask = <T>(m: object) =>
    new Promise<T>((resolve) => {
      child.once('message', (r: any) => resolve(r));
      child.send(m);
    });
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/api/auth/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: BENCH_PASSWORD }),
  });
  const token = ((await login.json()) as { access: string }).access;
  const move = async () => {
    let id = 1 + Math.floor(Math.random() * SIZES.opportunites);
    if (id % 5 === 4) id--;
    const t0 = performance.now();
    const res = await fetch(`${base}/api/opportunites/${id}/`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ etape: 'proposition', position: 0 }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    return performance.now() - t0;
  };
  for (let i = 0; i < 30; i++) await move();
  const before = await ask<{ statements: number; cpuMicros: number }>({ type: 'stats' });
  if (env.PROFILE_DIR) child.send({ type: 'profile-start' });
  const times: number[] = [];
  for (let i = 0; i < moves; i++) times.push(await move());
  if (env.PROFILE_DIR) child.send({ type: 'profile-stop', name: 'moves' });
  const after = await ask<{ statements: number; cpuMicros: number }>({ type: 'stats' });
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(2);
  console.log(
    `${moves} sequential moves: p50 ${pct(50)} ms  p90 ${pct(90)} ms  p99 ${pct(99)} ms  ` +
      `SQL/move ${((after.statements - before.statements) / moves).toFixed(2)}  API CPU ${((after.cpuMicros - before.cpuMicros) / 1000 / moves).toFixed(2)} ms/move`,
  );
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGTERM');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
