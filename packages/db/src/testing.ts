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

export interface TestDatabase {
  name: string;
  url: string;
  drop: () => Promise<void>;
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

function databaseUrl(name: string): string {
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
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const template = opts.template ? process.env[TEST_TEMPLATE_ENV] : undefined;
  await admin((c) => c.query(`create database "${name}"${template ? ` template "${template}"` : ''}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => admin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => {}),
  };
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
