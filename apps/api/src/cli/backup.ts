import { parseArgs } from 'node:util';
import { backupDatabase } from '@crm/db';
import { loadBackupConfig } from '../config.js';
import { resolveDatabase } from '../database.js';

/**
 * `pnpm backup [--method auto|pg_dump|logical]`: one consistent, compressed backup of the app's
 * database (DATABASE_URL or the embedded one) into BACKUP_DIR, keeping the BACKUP_KEEP newest.
 */
async function main() {
  const { values } = parseArgs({ options: { method: { type: 'string', default: 'auto' } } });
  const method = values.method as 'auto' | 'pg_dump' | 'logical';
  if (!['auto', 'pg_dump', 'logical'].includes(method)) {
    console.error('--method : auto, pg_dump ou logical');
    process.exit(2);
  }
  const config = loadBackupConfig();
  const db = await resolveDatabase();
  try {
    const r = await backupDatabase({ url: db.url, dir: config.dir, keep: config.keep, pgBin: config.pgBin, method });
    const rows = Object.values(r.manifest.tables).reduce((n, t) => n + t.rows, 0);
    console.log(`Sauvegarde écrite : ${r.file}`);
    console.log(
      `  méthode ${r.manifest.method}, ${Object.keys(r.manifest.tables).length} tables, ${rows} lignes, schéma ${r.manifest.migrations.at(-1) ?? '(vide)'}`,
    );
    console.log(`  manifeste : ${r.manifestFile}`);
    for (const f of r.removed) console.log(`  supprimée (rétention ${config.keep}) : ${f}`);
  } finally {
    await db.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
