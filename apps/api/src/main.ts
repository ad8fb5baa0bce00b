import { createApp, DEFAULT_WEB_DIST } from './app.js';
import { loadConfig } from './config.js';
import { resolveDatabase } from './database.js';

/** `pnpm start`: the API and the built SPA on one port (DATABASE_URL or embedded PostgreSQL). */
async function main() {
  const config = loadConfig();
  const db = await resolveDatabase();
  const { app, close } = await createApp({
    databaseUrl: db.url,
    logger: { level: config.logLevel },
    webDist: process.env.WEB_DIST ?? DEFAULT_WEB_DIST,
  });
  const shutdown = async () => {
    await close();
    await db.stop();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  await app.listen({ port: config.port, host: config.host });
  console.log(`CRM prêt : http://${config.host}:${config.port}/  (documentation API : /api/docs/)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
