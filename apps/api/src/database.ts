import { startEmbeddedPostgres } from '@crm/db';
import { type DatabaseSettings, loadDatabaseSettings } from './config.js';

/**
 * DATABASE_URL when given; otherwise an embedded PostgreSQL (data in <repo>/.data/pg, port 54329)
 * so that a newcomer needs no database server. `stop` is a no-op for an external database.
 */
export async function resolveDatabase(
  settings: DatabaseSettings = loadDatabaseSettings(),
): Promise<{ url: string; stop: () => Promise<void>; embedded: boolean }> {
  if (settings.databaseUrl) return { url: settings.databaseUrl, stop: async () => {}, embedded: false };
  const { dataDir, port } = settings.embeddedPg;
  console.log(`DATABASE_URL not set: using embedded PostgreSQL in ${dataDir}`);
  const pg = await startEmbeddedPostgres({ dataDir, port });
  return { url: pg.url, stop: pg.stop, embedded: true };
}
