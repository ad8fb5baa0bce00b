import { createTemplateDatabase, TEST_TEMPLATE_ENV } from './testing.js';

/**
 * vitest `globalSetup` of every package whose tests use PostgreSQL: migrates one template database
 * for the run, before any test worker starts (the workers inherit its name through the
 * environment), and drops it at the end. Each test file then copies it
 * (`createTestDatabase(…, { template: true })`) instead of running every migration again.
 * The name carries this process's id and random bytes: runs from other checkouts on the same
 * server, at the same time, each have their own.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const template = await createTemplateDatabase();
  process.env[TEST_TEMPLATE_ENV] = template.name;
  return async () => {
    delete process.env[TEST_TEMPLATE_ENV];
    await template.drop();
  };
}
