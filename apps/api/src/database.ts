import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from '@crm/db';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * DATABASE_URL when given; otherwise an embedded PostgreSQL (data in <repo>/.data/pg, port 54329)
 * so that a newcomer needs no database server. `stop` is a no-op for an external database.
 */
export async function resolveDatabase(env: NodeJS.ProcessEnv = process.env): Promise<{ url: string; stop: () => Promise<void>; embedded: boolean }> {
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, stop: async () => {}, embedded: false };
  const dataDir = env.EMBEDDED_PG_DIR ?? path.join(REPO_ROOT, '.data/pg');
  console.log(`DATABASE_URL not set: using embedded PostgreSQL in ${dataDir}`);
  const pg = await startEmbeddedPostgres({ dataDir, port: Number(env.EMBEDDED_PG_PORT ?? 54329) });
  return { url: pg.url, stop: pg.stop, embedded: true };
}
