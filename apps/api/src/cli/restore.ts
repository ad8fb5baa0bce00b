import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDatabase, restoreDatabase } from '@crm/db';
import { loadBackupConfig } from '../config.js';
import { resolveDatabase } from '../database.js';

/**
 * `pnpm restore FILE [--database NAME]`: restores a backup of `pnpm backup` into an empty database:
 * the app's (DATABASE_URL or the embedded one), or NAME on the same server (created if missing).
 */
async function main() {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { database: { type: 'string' } } });
  const config = loadBackupConfig();
  if (positionals.length !== 1) {
    console.error('Usage : pnpm restore FICHIER [--database NOM]');
    process.exit(2);
  }
  const file = path.resolve(config.cwd, positionals[0]);
  if (!fs.existsSync(file)) {
    console.error(`Fichier introuvable : ${file}`);
    process.exit(2);
  }
  const db = await resolveDatabase();
  try {
    let url = db.url;
    if (values.database) {
      if (!/^[a-z_][a-z0-9_]*$/.test(values.database))
        throw new Error('--database : lettres minuscules, chiffres et _');
      const target = new URL(db.url);
      target.pathname = `/${values.database}`;
      url = target.toString();
      await ensureDatabase(url);
    }
    const r = await restoreDatabase({ url, file, pgBin: config.pgBin });
    const rows = Object.values(r.tables).reduce((n, t) => n + t.rows, 0);
    console.log(
      `Restauré (${r.method}) : ${Object.keys(r.tables).length} tables, ${rows} lignes dans ${new URL(url).pathname.slice(1)}`,
    );
  } finally {
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
