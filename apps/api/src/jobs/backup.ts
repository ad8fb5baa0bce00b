import { backupDatabase, type BackupResult } from '@crm/db';
import type { AppDeps } from '../deps.js';
import type { AppConfig, BackupConfig } from '../config.js';
import { defineJob, type JobDefinition } from './queue.js';

declare module './queue.js' {
  interface JobTypes {
    'backup.database': Record<string, never>;
  }
}

/** Daily at 03:00 UTC: the default for the embedded database of `pnpm start`. */
export const DEFAULT_BACKUP_CRON = '0 3 * * *';

/**
 * The cron of the scheduled backup: BACKUP_SCHEDULE when set (`off`: none); unset, daily for the
 * embedded database (nobody else backs it up) and none for a DATABASE_URL (a managed or
 * operator-run PostgreSQL has its own backups; set BACKUP_SCHEDULE to add ours).
 */
export function backupSchedule(backup: BackupConfig, embeddedDatabase: boolean): string | null {
  if (backup.schedule !== undefined) return backup.schedule;
  return embeddedDatabase ? DEFAULT_BACKUP_CRON : null;
}

/** One backup of the app's database into BACKUP_DIR, with the retention policy (BACKUP_KEEP). */
export function runBackup(config: AppConfig): Promise<BackupResult> {
  if (!config.databaseUrl) throw new Error('no database to back up');
  return backupDatabase({
    url: config.databaseUrl,
    dir: config.backup.dir,
    keep: config.backup.keep,
    pgBin: config.backup.pgBin,
  });
}

/** The scheduled backup: pg-boss enqueues it once per cron tick whatever the number of instances. */
export function backupJob(cron: string): JobDefinition<'backup.database', AppDeps> {
  return defineJob<'backup.database', AppDeps>({
    name: 'backup.database',
    cron,
    retryLimit: 2,
    retryDelay: 600,
    expireInSeconds: 3 * 3600,
    async run(_data, _job, deps) {
      const r = await runBackup(deps.config);
      console.log(
        `sauvegarde écrite : ${r.file} (${r.manifest.method})${r.removed.length ? `, ${r.removed.length} ancienne(s) supprimée(s)` : ''}`,
      );
    },
  });
}
