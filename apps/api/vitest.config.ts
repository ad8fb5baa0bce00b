import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files run in parallel workers, each on its own fresh database.
    pool: 'forks',
    maxWorkers: 2,
    // A worker runs its files one after the other in one process: the API's modules (Fastify,
    // MikroORM, tRPC, zod schemas…) load once per worker instead of once per file, which was
    // most of the suite's CPU time. Files must leave the process as they found it (close their
    // apps, restore process.env and spies); each still gets its own database, app and Redis prefix.
    isolate: false,
    // One migrated template database per run, with the job queues; each file's database is a copy of it.
    globalSetup: ['./test/globalSetup.ts'],
  },
});
