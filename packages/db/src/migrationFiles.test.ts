import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Migration } from '@mikro-orm/migrations';
import { loadMigrations, migrationNames, MIGRATIONS_DIR } from './migrationFiles.js';
import { initOrm, migrate } from './orm.js';
import { createTestDatabase } from './testing.js';

/** The folder's migration files, read here independently of the discovery code. */
const folderNames = () =>
  fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.startsWith('Migration') && f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();

describe('migrations are discovered from the folder', () => {
  it('the ORM runs exactly the files of packages/db/src/migrations, in name order', async () => {
    expect(folderNames().length).toBeGreaterThan(10);
    expect(migrationNames()).toEqual(folderNames());
    expect((await loadMigrations()).map((m) => m.name)).toEqual(folderNames());

    const db = await createTestDatabase('crm_dbmigr');
    const orm = await initOrm({ databaseUrl: db.url, poolMax: 1 });
    try {
      expect((await orm.getMigrator().getPendingMigrations()).map((m) => m.name)).toEqual(folderNames());
      await migrate(orm);
      expect((await orm.getMigrator().getExecutedMigrations()).map((m) => m.name)).toEqual(folderNames());
      expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
    } finally {
      await orm.close(true);
      await db.release();
    }
  });

  // A folder inside the package (its imports resolve the same way), not the real one: writing
  // there would race with the other test files of the run, which load the migrations too.
  const dir = path.join(MIGRATIONS_DIR, '../..', `.migrations-probe-${process.pid}`);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a migration file dropped in the folder is picked up, in timestamp order; other files are not', async () => {
    fs.mkdirSync(dir, { recursive: true });
    const [first, last] = [folderNames()[0], folderNames().at(-1)!];
    fs.copyFileSync(path.join(MIGRATIONS_DIR, `${first}.ts`), path.join(dir, `${first}.ts`));
    fs.copyFileSync(path.join(MIGRATIONS_DIR, `${last}.ts`), path.join(dir, `${last}.ts`));
    // Dropped with a timestamp between the two: it must run between them.
    const probe = `Migration${first.slice('Migration'.length, 'Migration'.length + 8)}235959_probe`;
    fs.writeFileSync(
      path.join(dir, `${probe}.ts`),
      `import { Migration } from '@mikro-orm/migrations';\nexport class ${probe} extends Migration {\n  override async up(): Promise<void> {\n    this.addSql('create table probe (id int)');\n  }\n}\n`,
    );
    fs.writeFileSync(path.join(dir, `${probe}.d.ts`), 'export {};\n');
    fs.writeFileSync(path.join(dir, 'README.md'), 'not a migration\n');
    fs.writeFileSync(path.join(dir, 'helpers.ts'), 'export const notAMigration = 1;\n');

    expect(migrationNames(dir)).toEqual([first, probe, last]);
    const loaded = await loadMigrations(dir);
    expect(loaded.map((m) => m.name)).toEqual([first, probe, last]);
    for (const m of loaded) expect(m.class.prototype).toBeInstanceOf(Migration);
  });

  it('a migration module without a class named like its file is refused (it would never run)', async () => {
    const bad = path.join(dir, 'bad');
    fs.mkdirSync(bad, { recursive: true });
    fs.writeFileSync(path.join(bad, 'Migration20990101000000_misnamed.ts'), 'export class SomethingElse {}\n');
    await expect(loadMigrations(bad)).rejects.toThrow(/must export a class named Migration20990101000000_misnamed/);
  });
});
