import { initOrm, migrate } from '@crm/db';
import { loadConfig } from './config.js';
import { resolveDatabase } from './database.js';
import { createDeps } from './deps.js';
import { backupSchedule } from './jobs/backup.js';
import { jobsFor } from './jobs/index.js';

/**
 * `pnpm worker`: only the background job workers (mail delivery, scheduled jobs), no HTTP. Run
 * any number of them next to API instances started with JOBS_WORKERS=false; they share the queue.
 */
async function main() {
  const base = loadConfig();
  const db = await resolveDatabase();
  const config = {
    ...base,
    databaseUrl: db.url,
    jobs: { ...base.jobs, workers: true },
    backup: { ...base.backup, schedule: backupSchedule(base.backup, db.embedded) },
  };
  const orm = await initOrm({ databaseUrl: db.url, poolMax: config.jobs.poolMax + 2 });
  await migrate(orm);
  const deps = createDeps(orm, config, jobsFor(config));
  await deps.jobs.start();
  const shutdown = async () => {
    await deps.close();
    await orm.close(true);
    await db.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  console.log('CRM worker prêt (tâches de fond)');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
