import pg from 'pg';
import { expect, it } from 'vitest';
import { migrationNames } from './migrationFiles.js';
import { randomBytes } from 'node:crypto';
import {
  createTestDatabase,
  dropInBackground,
  sharedTemplateDatabase,
  TEST_ADMIN_URL,
  TEST_TEMPLATE_ENV,
  testDatabaseUrl,
} from './testing.js';

async function query<T>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

it("a test file's database is a copy of the run's migrated template (vitest globalSetup); the default one is empty", async () => {
  expect(process.env[TEST_TEMPLATE_ENV]).toMatch(/^crm_tpl_\d+_[0-9a-f]{8}$/);
  const [copy, empty] = [
    await createTestDatabase('crm_dbcopy', { template: true }),
    await createTestDatabase('crm_dbempty'),
  ];
  try {
    const applied = await query<{ name: string }>(copy.url, 'select name from mikro_orm_migrations order by id');
    expect(applied.map((r) => r.name)).toEqual(migrationNames());
    expect(await query(empty.url, `select 1 from pg_tables where schemaname = 'public'`)).toEqual([]);
  } finally {
    // Dropped at the end of the run (a DROP DATABASE waits for a checkpoint: seconds on a loaded server).
    await copy.release();
    await empty.release();
  }
});

it('a shared template is made once by concurrent callers, kept, and replaced (the older dropped) when its key changes', async () => {
  const prefix = `crm_sharedtest_${randomBytes(3).toString('hex')}_`;
  const databases = async () =>
    (await query<{ datname: string }>(TEST_ADMIN_URL, `select datname from pg_database order by datname`))
      .map((r) => r.datname)
      .filter((d) => d.startsWith(prefix));
  const prepared: string[] = [];
  const prepare = async (name: string) => {
    prepared.push(name);
    await query(testDatabaseUrl(name), 'create table prepared (x int)');
  };
  try {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => sharedTemplateDatabase('key 1', prepare, prefix)));
    expect(new Set([a, b, c]).size).toBe(1);
    expect(prepared).toEqual([`${a}_wip`]); // prepared once, before it took its final name
    expect(await databases()).toEqual([a]);
    const applied = await query<{ name: string }>(
      testDatabaseUrl(a),
      'select name from mikro_orm_migrations order by id',
    );
    expect(applied.map((r) => r.name)).toEqual(migrationNames());
    expect(await query(testDatabaseUrl(a), 'select * from prepared')).toEqual([]);

    expect(await sharedTemplateDatabase('key 1', prepare, prefix)).toBe(a); // kept: not made again
    const next = await sharedTemplateDatabase('key 2', prepare, prefix);
    expect(next).not.toBe(a);
    expect(prepared).toHaveLength(2);
    expect(await databases()).toEqual([next]);
  } finally {
    for (const name of await databases()) await query(TEST_ADMIN_URL, `drop database if exists "${name}" with (force)`);
  }
}, 120_000); // two migrations from an empty database and a DROP DATABASE (a checkpoint) on a loaded server

it("the end of a run leaves its databases to a detached process, which drops the run's tagged ones and the extra names", async () => {
  const tag = randomBytes(4).toString('hex');
  const names = [
    `crm_dropbg_${tag}_1`,
    `crm_dropbg_${tag}_2`,
    `crm_dropbg_extra_${tag}`,
    `crm_dropbg_other_${randomBytes(4).toString('hex')}`,
  ];
  for (const n of names) await query(TEST_ADMIN_URL, `create database "${n}"`);
  const left = async () =>
    (
      await query<{ datname: string }>(
        TEST_ADMIN_URL,
        `select datname from pg_database where datname like 'crm_dropbg_%'`,
      )
    )
      .map((r) => r.datname)
      .filter((n) => names.includes(n))
      .sort();
  try {
    // An open connection (a file that failed before closing its app) does not keep a database.
    const open = new pg.Client({ connectionString: testDatabaseUrl(names[0]!) });
    await open.connect();
    open.on('error', () => {});
    const pid = dropInBackground(tag, [names[2]!]);
    expect(pid).toBeGreaterThan(0);
    // Three DROP DATABASEs, each waiting for a checkpoint: seconds each while the other suites write.
    await expect.poll(left, { timeout: 90_000, interval: 100 }).toEqual([names[3]]);
    await open.end().catch(() => {});
  } finally {
    for (const n of names) await query(TEST_ADMIN_URL, `drop database if exists "${n}" with (force)`);
  }
}, 120_000);
