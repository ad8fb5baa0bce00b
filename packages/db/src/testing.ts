import pg from 'pg';
import { randomBytes } from 'node:crypto';
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
   * `dropRunDatabases`), else now. A test file's database is done with once its app is closed, but
   * DROP DATABASE waits for a checkpoint of the whole server (seconds on a loaded machine), and a
   * checkpoint makes every following first write of a page log the whole page: one batch of drops
   * at the end costs a few checkpoints instead of one per file, and no file waits for it.
   */
  release: () => Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

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
 * Drops every database of the run `run` (named with its tag by `createTestDatabase`), a few at a
 * time: their DROP DATABASEs share checkpoints. Open connections (a file that failed before closing
 * its app) are ended (`with (force)`).
 */
export async function dropRunDatabases(run: string): Promise<void> {
  const names = await admin(async (c) =>
    (
      await c.query<{ datname: string }>(`select datname from pg_database where strpos(datname, $1) > 0`, [`_${run}_`])
    ).rows.map((r) => r.datname),
  );
  const queue = [...names];
  await Promise.all(
    Array.from({ length: Math.min(6, queue.length) }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const n = name;
        await admin((c) => c.query(`drop database if exists "${n}" with (force)`));
      }
    }),
  );
}

/** A database with every migration applied, to be cloned by `createTestDatabase(…, { template: true })`. */
export async function createTemplateDatabase(prefix = 'crm_tpl'): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  try {
    const orm = await initOrm({ databaseUrl: db.url, poolMax: 1 });
    try {
      await migrate(orm);
    } finally {
      // No connection may stay open on a template: `create database … template` refuses then.
      await orm.close(true);
    }
  } catch (err) {
    await db.drop();
    throw err;
  }
  return db;
}
