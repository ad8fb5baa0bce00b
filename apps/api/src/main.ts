import { createApp, DEFAULT_WEB_DIST, type App } from './app.js';
import { loadConfig } from './config.js';
import { resolveDatabase } from './database.js';
import { backupSchedule } from './jobs/backup.js';

/**
 * `pnpm start`: the API and the built SPA on one port (DATABASE_URL or embedded PostgreSQL).
 * Whatever ends the process — SIGINT, SIGTERM, a failed start, a crash — the embedded PostgreSQL
 * it started is shut down first, so no server is left running on the data directory.
 */
async function main() {
  const config = loadConfig();
  const db = await resolveDatabase();
  let app: App | undefined;
  let exiting = false;
  const shutdown = async (code: number) => {
    if (exiting) return;
    exiting = true;
    // Never hang on the way out (e.g. the database already gone): exit anyway after a while.
    setTimeout(() => process.exit(code), 15_000).unref();
    await app?.close().catch((err) => console.error(err));
    await db.stop().catch((err) => console.error(err));
    process.exit(code);
  };
  const crash = (err: unknown) => {
    console.error(err);
    void shutdown(1);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  try {
    app = await createApp({
      databaseUrl: db.url,
      logger: { level: config.logLevel },
      webDist: config.webDist ?? DEFAULT_WEB_DIST,
      // A daily backup by default for the embedded database (BACKUP_SCHEDULE to change, `off` for none).
      config: { backup: { ...config.backup, schedule: backupSchedule(config.backup, db.embedded) } },
    });
    await app.app.listen({ port: config.port, host: config.host });
  } catch (err) {
    crash(err);
    return;
  }
  console.log(`CRM prêt : http://${config.host}:${config.port}/  (documentation API : /api/docs/)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
