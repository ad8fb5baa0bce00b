import { defineConfig } from 'vitest/config';
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Test files run in parallel workers, each on its own fresh database.
    pool: 'forks',
    maxWorkers: 2,
    // One migrated template database per run; each file's database is a copy of it.
    globalSetup: ['@crm/db/vitest-global-setup'],
  },
});
