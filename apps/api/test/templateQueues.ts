/**
 * Run by the tests' global setup in a child process (see globalSetup.ts): starts the API once on the
 * run's template database, without workers, and closes it, so that the template carries the job
 * queues. The global setup's environment names the template (TEST_TEMPLATE_ENV).
 */
import { createApp } from '../src/app.js';
import { TEST_TEMPLATE_ENV, testDatabaseUrl } from '@crm/db';

const app = await createApp({
  databaseUrl: testDatabaseUrl(process.env[TEST_TEMPLATE_ENV]!),
  env: { NODE_ENV: 'test', JWT_SECRET: 'template-secret-that-is-long-enough-0123456789', JOBS_WORKERS: 'false' },
  config: { secureCookies: false },
  poolMax: 2,
});
// Closing ends every connection: `create database … template` refuses a template in use.
await app.close();
