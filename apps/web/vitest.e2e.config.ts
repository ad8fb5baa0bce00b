import { defineConfig } from 'vitest/config';

/** Browser tests: the real API in-process on a fresh database, Debian's chromium, the built SPA. */
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    // The server answers in milliseconds here, but a loaded CI machine can take seconds.
    expect: { poll: { timeout: 10_000, interval: 100 } },
  },
});
