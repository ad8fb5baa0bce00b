import { defineConfig } from 'vitest/config';
import { slowFilesFirst } from '@crm/db/vitest-sequencer';
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files run in parallel workers, each on its own fresh database.
    pool: 'forks',
    maxWorkers: 3,
    // A worker runs its files one after the other in one process: the API's modules (Fastify,
    // MikroORM, tRPC, zod schemas…) load once per worker instead of once per file, which was
    // most of the suite's CPU time. Files must leave the process as they found it (close their
    // apps, restore process.env and spies); each still gets its own database, app and Redis prefix.
    isolate: false,
    // One migrated template database per run, with the job queues; each file's database is a copy of it.
    globalSetup: ['./test/globalSetup.ts'],
    // Files that mostly wait (child processes, timers, outages) or run long start first, so that the
    // run does not end with one of them alone on an idle machine.
    sequence: {
      sequencer: slowFilesFirst([
        'test/embedded.test.ts',
        'test/backup.test.ts',
        'test/auth-ratelimit.test.ts',
        'test/opportunites.test.ts',
        'test/imports.test.ts',
        'test/health.test.ts',
        'test/races.test.ts',
        'test/owner-lists.test.ts',
        'test/webhooks.test.ts',
        'test/jobs-queue.test.ts',
        // Times an outbox under a hanging SMTP server with a pool of 2 connections: not among the
        // first files, which start while every suite of the run loads at once.
        'test/courriels-outage.test.ts',
      ]),
    },
  },
});
