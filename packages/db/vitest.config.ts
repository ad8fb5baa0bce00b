import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two files at once (vitest's default is one worker on 2 cores): they mostly wait on PostgreSQL
    // (migrations from an empty database). A worker runs its files in one process, so MikroORM loads
    // once per worker; each file still has its own databases and closes them.
    pool: 'forks',
    maxWorkers: 2,
    isolate: false,
    globalSetup: ['./src/vitestGlobalSetup.ts'],
  },
});
