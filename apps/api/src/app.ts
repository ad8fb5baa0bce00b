import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { initOrm, migrate, type MikroORM } from '@crm/db';
import { loadConfig, type AppConfig } from './config.js';
import { createDeps, type AppDeps } from './deps.js';
import type { ServerPlugin } from './routes/plugin.js';
import { buildServer } from './server.js';
import { featurePlugins } from './plugins.js';
import { jobsFor } from './jobs/index.js';
import type { AnyJobDefinition } from './jobs/queue.js';

export interface App {
  app: FastifyInstance;
  deps: AppDeps;
  orm: MikroORM;
  close(): Promise<void>;
}

export const DEFAULT_WEB_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

/** Builds the whole API (ORM, migrations, dependencies, HTTP server) without listening. */
export async function createApp(options: {
  databaseUrl: string;
  config?: Partial<AppConfig>;
  env?: NodeJS.ProcessEnv;
  logger?: boolean | object;
  webDist?: string;
  plugins?: ServerPlugin[];
  poolMax?: number;
  /** Background job definitions (default: jobs/index.ts). */
  jobs?: AnyJobDefinition<AppDeps>[];
}): Promise<App> {
  const config = loadConfig(options.env, {
    databaseUrl: options.databaseUrl,
    ...(options.poolMax ? { dbPoolMax: options.poolMax } : {}),
    ...options.config,
  });
  const orm = await initOrm({
    databaseUrl: options.databaseUrl,
    poolMax: options.poolMax ?? config.dbPoolMax,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    // The admission line (DatabaseGuard) bounds the wait first; this is the pool's own backstop.
    acquireTimeoutMs: config.dbQueueTimeoutMs + 1_000,
  });
  await migrate(orm);
  const deps = createDeps(orm, config, options.jobs ?? jobsFor(config));
  const app = await buildServer(deps, {
    logger: options.logger,
    webDist: options.webDist,
    plugins: [...featurePlugins, ...(options.plugins ?? [])],
  });
  // Workers in this process unless JOBS_WORKERS=false (then `pnpm worker` runs them).
  await deps.jobs.start();
  return {
    app,
    deps,
    orm,
    async close() {
      await app.close();
      await deps.close();
      await orm.close(true);
    },
  };
}
