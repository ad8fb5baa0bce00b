export * from './entities/index.js';
export { initOrm, migrate, ormConfig, MikroORM, type OrmOptions } from './orm.js';
export { loadMigrations, migrationNames, MIGRATIONS_DIR, type MigrationModule } from './migrationFiles.js';
export type { EntityManager } from '@mikro-orm/postgresql';
export { startEmbeddedPostgres, EMBEDDED_INITDB_FLAGS, type EmbeddedPg } from './embedded.js';
export { DatabaseProbe } from './probe.js';
export {
  createTestDatabase,
  createTemplateDatabase,
  sharedTemplateDatabase,
  TEST_ADMIN_URL,
  TEST_RUN_ENV,
  TEST_TEMPLATE_ENV,
  testDatabaseUrl,
} from './testing.js';
export { JOBS_SCHEMA } from './migrations/Migration20261206010000_pgboss.js';
export {
  backupDatabase,
  ensureDatabase,
  restoreDatabase,
  tableSummaries,
  type BackupManifest,
  type BackupMethod,
  type BackupResult,
  type TableSummary,
} from './backup.js';
