export * from './entities/index.js';
export { initOrm, migrate, ormConfig, migrationsList, MikroORM, type OrmOptions } from './orm.js';
export type { EntityManager } from '@mikro-orm/postgresql';
export { startEmbeddedPostgres, EMBEDDED_INITDB_FLAGS, type EmbeddedPg } from './embedded.js';
export { DatabaseProbe } from './probe.js';
export { createTestDatabase, TEST_ADMIN_URL } from './testing.js';
export { JOBS_SCHEMA } from './migrations/Migration20261206010000_pgboss.js';
export { backupDatabase, ensureDatabase, restoreDatabase, tableSummaries, type BackupManifest, type BackupMethod, type BackupResult, type TableSummary } from './backup.js';
