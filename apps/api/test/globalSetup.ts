import setupTemplateDatabase from '@crm/db/vitest-global-setup';
import { TEST_ADMIN_URL, TEST_TEMPLATE_ENV } from '@crm/db';
import { createApp } from '../src/app.js';

/**
 * vitest `globalSetup` of the suites that start the API (API, client, browser tests): the run's
 * migrated template database (`@crm/db/vitest-global-setup`), on which the API is then started once,
 * without workers, and closed. Starting creates the job queues (pg-boss: a row and a partitioned
 * table with its indexes per queue), which every test file's copy then already has: each app start
 * finds them instead of running that DDL again (about a second per file on a loaded machine).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const teardown = await setupTemplateDatabase();
  try {
    const url = new URL(TEST_ADMIN_URL);
    url.pathname = `/${process.env[TEST_TEMPLATE_ENV]}`;
    const app = await createApp({
      databaseUrl: url.toString(),
      env: { NODE_ENV: 'test', JWT_SECRET: 'template-secret-that-is-long-enough-0123456789', JOBS_WORKERS: 'false' },
      config: { secureCookies: false },
      poolMax: 2,
    });
    // Closing ends every connection: `create database … template` refuses a template in use.
    await app.close();
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}
