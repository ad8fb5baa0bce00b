import type pg from 'pg';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { withAdmin } from './dropDatabases.js';
import { MIGRATIONS_DIR } from './migrationFiles.js';
import { initOrm, migrate } from './orm.js';

/** Server used by tests: a real PostgreSQL (never a mock). Each test file gets its own database. */
export const TEST_ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Names the migrated template database of the current test run. Set by the vitest global setup
 * (`@crm/db/vitest-global-setup`) before the test workers start; they inherit it.
 */
export const TEST_TEMPLATE_ENV = 'CRM_TEST_TEMPLATE_DB';

/**
 * Tag of the current test run (random), set by the vitest global setup beside the template's name:
 * every database made during the run carries it, so that the run's end can drop them all at once
 * (see `TestDatabase.release`).
 */
export const TEST_RUN_ENV = 'CRM_TEST_RUN';

export interface TestDatabase {
  name: string;
  url: string;
  drop: () => Promise<void>;
  /**
   * Drops the database at the end of the run when there is one (vitest global setup: see
   * `dropInBackground`), else now. A test file's database is done with once its app is closed, but
   * DROP DATABASE waits for a checkpoint of the whole server (seconds on a loaded machine), and a
   * checkpoint makes every following first write of a page log the whole page: one batch of drops
   * at the end costs a few checkpoints instead of one per file, and no file waits for it.
   */
  release: () => Promise<void>;
}

const admin = <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => withAdmin(TEST_ADMIN_URL, fn);

/** The URL of test database `name` on the tests' server. */
export function testDatabaseUrl(name: string): string {
  const url = new URL(TEST_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A throw-away database, named after the process so that parallel files and runs never collide.
 *
 * `template: true` starts it as a copy of the run's migrated template (the schema of every
 * migration; `create database … template`, a file copy, instead of running the migrations again
 * for each file). Without a template in the environment (a script outside vitest) it is empty, like
 * the default: callers using it must still migrate (`createApp` always does; on a copy it is a no-op).
 */
export async function createTestDatabase(
  prefix = 'crm_test',
  opts: { template?: boolean } = {},
): Promise<TestDatabase> {
  const run = process.env[TEST_RUN_ENV];
  const name = `${prefix}_${run ? `${run}_` : ''}${process.pid}_${randomBytes(4).toString('hex')}`;
  const template = opts.template ? process.env[TEST_TEMPLATE_ENV] : undefined;
  await admin((c) => c.query(`create database "${name}"${template ? ` template "${template}"` : ''}`));
  const drop = () => admin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => {});
  return { name, url: testDatabaseUrl(name), drop, release: run ? async () => {} : drop };
}

/**
 * Drops every database of the run `run` (named with its tag by `createTestDatabase`) and the `extra`
 * ones (the run's own template), from a detached process that outlives the caller
 * (dropDatabases.js): the end of a vitest run does not wait for it. Each DROP DATABASE waits for a
 * checkpoint, which writes every page the run dirtied: about 30 s at the end of a loaded run, during
 * which nothing else was left to do. Returns the child's pid.
 */
export function dropInBackground(run: string, extra: readonly string[] = []): number | undefined {
  const script = fileURLToPath(new URL('./dropDatabases.js', import.meta.url));
  const child = spawn(process.execPath, [script, TEST_ADMIN_URL, run, ...extra], {
    cwd: path.dirname(script),
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid;
}

async function migrateDatabase(url: string): Promise<void> {
  const orm = await initOrm({ databaseUrl: url, poolMax: 1 });
  try {
    await migrate(orm);
  } finally {
    // No connection may stay open on a template: `create database … template` refuses then.
    await orm.close(true);
  }
}

/** A database with every migration applied, to be cloned by `createTestDatabase(…, { template: true })`. */
export async function createTemplateDatabase(prefix = 'crm_tpl'): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  try {
    await migrateDatabase(db.url);
  } catch (err) {
    await db.drop();
    throw err;
  }
  return db;
}

const SHARED_TEMPLATE_PREFIX = 'crm_shared_tpl_';

/**
 * The migrated template database shared by the suites that run at once (API, browser, client) and
 * by the runs after them: named after a hash of what it holds — every migration file, pg-boss's
 * version and `key` (the caller's part, see `prepare`) — made by whichever suite asks first while
 * the others wait on an advisory lock, then kept. Each suite used to migrate and prepare its own
 * copy at the start of every run, all at the same time (about 5 s of CPU each on a 2-core machine
 * busy with everything else). A change to any migration names a new template; the shared templates
 * of older hashes are dropped when a new one is published (one that is in use stays).
 *
 * `prepare(name)` completes the template before it is published under its final name (the API
 * creates its job queues in it); it must close every connection it opened.
 */
export async function sharedTemplateDatabase(
  key: string,
  prepare: (name: string) => Promise<void> = async () => {},
  /** The family of templates (a new one drops the others of its family); tests of this function use their own. */
  prefix = SHARED_TEMPLATE_PREFIX,
): Promise<string> {
  const hash = createHash('sha256');
  for (const file of fs.readdirSync(MIGRATIONS_DIR).sort()) {
    hash.update(file);
    hash.update(fs.readFileSync(path.join(MIGRATIONS_DIR, file)));
  }
  const pgBoss = createRequire(import.meta.url)('pg-boss/package.json') as { version: string };
  hash.update(`pg-boss ${pgBoss.version}\n${key}`);
  const name = `${prefix}${hash.digest('hex').slice(0, 20)}`;
  return admin(async (c) => {
    // One advisory lock per family serializes the making of its templates on the tests' server (a
    // test of this function does not wait for the suites' own template, nor they for it).
    await c.query('select pg_advisory_lock(hashtext($1))', [prefix]);
    try {
      const found = await c.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount) return name;
      // Made under a temporary name and renamed once complete: a run stopped half-way leaves no
      // template that looks finished.
      const building = `${name}_wip`;
      await c.query(`drop database if exists "${building}" with (force)`);
      await c.query(`create database "${building}"`);
      await migrateDatabase(testDatabaseUrl(building));
      await prepare(building);
      await c.query(`alter database "${building}" rename to "${name}"`);
      const older = await c.query<{ datname: string }>(
        `select datname from pg_database where starts_with(datname, $1) and datname <> $2`,
        [prefix, name],
      );
      for (const { datname } of older.rows) await c.query(`drop database if exists "${datname}"`).catch(() => {});
      return name;
    } finally {
      await c.query('select pg_advisory_unlock(hashtext($1))', [prefix]);
    }
  });
}
