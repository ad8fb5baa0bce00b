/**
 * `tsx bench/profile-moves.ts`: sequential kanban moves (to the top of `proposition`) against an API on
 * the bench database (BENCH_SKIP_SEED data, `pnpm bench` seeds it), with the API's CPU time, SQL
 * statements per move, and (PROFILE_DIR=dir) a CPU profile of the measured moves. MOVES (default 300);
 * SERVER_DIR=another checkout's apps/api runs that code's API instead (A/B on the same database).
 */
import path from 'node:path';
import { login, startServer, stats } from './api.js';
import { benchDatabaseUrl, SIZES } from './seed.js';

const env = process.env;
const moves = Number(env.MOVES ?? 300);

async function main() {
  // The server takes its profile directory from BENCH_PROFILE (bench/server.ts).
  env.BENCH_PROFILE = env.PROFILE_DIR ?? '';
  const { child, port } = await startServer(
    benchDatabaseUrl(env),
    env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    env.SERVER_DIR ? path.resolve(env.SERVER_DIR, 'bench', 'server.ts') : undefined,
  );
  const base = `http://127.0.0.1:${port}`;
  const token = await login(base, 'admin');
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
  // The API process goes with this one whatever happens (a failed move used to leave it running).
  process.on('exit', () => child.kill('SIGTERM'));
  for (let i = 0; i < 30; i++) await move();
  const before = await stats(child);
  if (env.PROFILE_DIR) child.send({ type: 'profile-start' });
  const times: number[] = [];
  for (let i = 0; i < moves; i++) times.push(await move());
  if (env.PROFILE_DIR) child.send({ type: 'profile-stop', name: 'moves' });
  const after = await stats(child);
  times.sort((a, b) => a - b);
  const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(2);
  console.log(
    `${moves} sequential moves: p50 ${pct(50)} ms  p90 ${pct(90)} ms  p99 ${pct(99)} ms  ` +
      `SQL/move ${((after.statements - before.statements) / moves).toFixed(2)}  API CPU ${((after.cpuMicros - before.cpuMicros) / 1000 / moves).toFixed(2)} ms/move`,
  );
  const slowest = times.slice(-5).map((t) => t.toFixed(1));
  console.log(`slowest: ${slowest.join(', ')} ms`);
  await new Promise((r) => setTimeout(r, 500));
  child.kill('SIGTERM');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
