import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import setupTemplateDatabase from '@crm/db/vitest-global-setup';

/**
 * vitest `globalSetup` of the suites that start the API (API, client, browser tests): the run's
 * migrated template database (`@crm/db/vitest-global-setup`), on which the API is then started once,
 * without workers, and closed. Starting creates the job queues (pg-boss: a row and a partitioned
 * table with its indexes per queue), which every test file's copy then already has: each app start
 * finds them instead of running that DDL again (about a second per file on a loaded machine).
 *
 * The API starts in a child process (templateQueues.ts), not in vitest's own: started here, it left
 * vitest exiting with status 0 after failed tests.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const teardown = await setupTemplateDatabase();
  try {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    execFileSync(process.execPath, ['--import', tsx, fileURLToPath(new URL('./templateQueues.ts', import.meta.url))], {
      env: process.env,
      stdio: 'inherit',
    });
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
