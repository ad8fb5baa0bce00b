import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Migration } from '@mikro-orm/migrations';

/**
 * Migrations are discovered, not listed by hand: every `Migration<14 digits>_<name>` module of this
 * folder, applied in name order (the timestamp). Adding a migration is adding its file.
 *
 * Why not MikroORM's own discovery (`migrations.path` + glob): it imports the files with a native
 * `import()` from inside node_modules, which cannot load `.ts` under vitest (the tests) — only under
 * tsx. Importing them from here goes through whichever loader runs this module: tsx for
 * `pnpm start`/`worker`/CLIs/bench, vitest's module runner in tests, plain Node for compiled `.js`.
 */
export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

const MIGRATION_FILE = /^(Migration\d{14}_\w+)\.(ts|js|mts|mjs)$/;

/** Names of the migrations in the folder, in the order they run (no module is loaded). */
export function migrationNames(dir = MIGRATIONS_DIR): string[] {
  return migrationFiles(dir).map((f) => f.name);
}

function migrationFiles(dir: string): { name: string; file: string }[] {
  const byName = new Map<string, string>();
  for (const entry of fs.readdirSync(dir)) {
    if (entry.endsWith('.d.ts') || entry.endsWith('.d.mts')) continue;
    const m = MIGRATION_FILE.exec(entry);
    // One module per name: the source and its compiled `.js` side by side would be the same migration.
    if (m && !byName.has(m[1])) byName.set(m[1], path.join(dir, entry));
  }
  return [...byName.keys()].sort().map((name) => ({ name, file: byName.get(name)! }));
}

export interface MigrationModule {
  name: string;
  class: new (...args: any[]) => Migration;
}

const loaded = new Map<string, Promise<MigrationModule[]>>();

/**
 * Imports every migration of the folder (once per process). Each module must export a class named
 * like its file (`export class Migration20261206090100_webhooks extends Migration`).
 */
export function loadMigrations(dir = MIGRATIONS_DIR): Promise<MigrationModule[]> {
  let list = loaded.get(dir);
  if (!list) {
    list = Promise.all(
      migrationFiles(dir).map(async ({ name, file }) => {
        const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
        const cls = mod[name];
        if (typeof cls !== 'function') throw new Error(`${path.basename(file)} must export a class named ${name}`);
        return { name, class: cls as MigrationModule['class'] };
      }),
    );
    list.catch(() => loaded.delete(dir));
    loaded.set(dir, list);
  }
  return list;
}
