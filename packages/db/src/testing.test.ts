import pg from 'pg';
import { expect, it } from 'vitest';
import { migrationNames } from './migrationFiles.js';
import { createTestDatabase, TEST_TEMPLATE_ENV } from './testing.js';

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
    await copy.drop();
    await empty.drop();
  }
});
