import { defineConfig } from 'vitest/config';
import { slowFilesFirst } from '@crm/db/vitest-sequencer';

/** Browser tests: the real API in-process on a fresh database, Debian's chromium, the built SPA. */
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Three files at once (each its own API and database, its own browser contexts): a file mostly waits
    // for the browser (the suite used about half of 2 cores with two), and it now runs beside the API suite.
    maxWorkers: 3,
    // Files of a worker share one process (the API's modules load once per worker, not per file);
    // each file still starts and closes its own API and database.
    isolate: false,
    // One migrated template database per run (each file's database is a copy of it); one chromium
    // per worker (e2e/browser.ts), in which each file opens and closes its own contexts.
    globalSetup: ['e2e/globalSetup.ts'],
    // The longest files start first, so that the run does not end with one of them alone.
    sequence: {
      sequencer: slowFilesFirst([
        'e2e/sessions.test.ts',
        'e2e/clients.test.ts',
        'e2e/boards-volume.test.ts',
        'e2e/mobile-a11y.test.ts',
        'e2e/taches-devis.test.ts',
        'e2e/pipeline.test.ts',
        'e2e/errors.test.ts',
      ]),
    },
    // The server answers in milliseconds here, but a loaded CI machine can take seconds.
    expect: { poll: { timeout: 10_000, interval: 100 } },
  },
});
