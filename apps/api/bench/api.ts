/**
 * The bench's API processes (bench/server.ts, BENCH_INSTANCES instances on one port) and their
 * controls, shared by `pnpm bench` (run.ts) and bench/profile-moves.ts.
 */
import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_PASSWORD } from './seed.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const env = process.env;
const instances = Number(env.BENCH_INSTANCES ?? 1);

/** Starts the API on `databaseUrl` (this checkout's bench/server.ts, or another's `script`). */
export function startServer(
  databaseUrl: string,
  redisUrl: string | undefined,
  script = path.join(here, 'server.ts'),
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(script, [], {
    execArgv: ['--import', 'tsx', ...(env.BENCH_NODE_ARGS ? env.BENCH_NODE_ARGS.split(' ') : [])],
    env: {
      ...env,
      BENCH_APP_DATABASE_URL: databaseUrl,
      BENCH_INSTANCES: String(instances),
      REDIS_URL: redisUrl ?? '',
      JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
      // The bench is one user sending thousands of requests a minute: lift the per-caller limits.
      RATE_LIMIT_USER_PER_MINUTE: env.RATE_LIMIT_USER_PER_MINUTE ?? '100000000',
      RATE_LIMIT_KEY_PER_MINUTE: env.RATE_LIMIT_KEY_PER_MINUTE ?? '100000000',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: any) =>
      m?.type === 'ready' ? resolve({ child, port: m.port }) : reject(new Error(String(m))),
    );
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
}

export function stats(
  child: ChildProcess,
): Promise<{ statements: number; rss: number; cpuMicros: number; gcMs?: number; gcMaxMs?: number }> {
  return new Promise((resolve) => {
    child.once('message', (m: any) => resolve(m));
    child.send({ type: 'stats' });
  });
}

export async function login(baseUrl: string, username: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: BENCH_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access: string }).access;
}
