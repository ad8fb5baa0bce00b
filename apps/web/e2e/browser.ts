import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Debian's `chromium-headless-shell` (the old headless mode, what Playwright itself runs headless) when
 * it is installed, else `chromium`: the full browser in its new headless mode also starts its window
 * UI (a WebUI renderer per window, a GPU process), which cost the browser tests CPU for nothing.
 * CHROMIUM_PATH picks another binary.
 */
const HEADLESS_SHELL = '/usr/bin/chromium-headless-shell';
export const chromiumPath = () =>
  process.env.CHROMIUM_PATH ?? (fs.existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : '/usr/bin/chromium');

const KEY = Symbol.for('crm.e2e.browser');

/**
 * The chromium of this test worker, launched by its first file and used by the next ones (a worker
 * runs its files one after the other: `isolate: false`); each file opens and closes its own
 * contexts (`closeContexts`). Playwright drives it straight over its pipe, in this process: with one
 * browser for the whole run, every protocol message of the three workers went through a Playwright
 * server in vitest's main process as well (a second encoding and decoding each way, about 10 % of
 * the suite's CPU), and a browser per file cost 2–3 s of CPU each. Playwright closes it when the
 * worker exits.
 */
export function workerBrowser(): Promise<Browser> {
  const g = globalThis as { [KEY]?: Promise<Browser> };
  g[KEY] ??= chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  return g[KEY];
}

/** Closes the contexts a file opened (with their pages), leaving the worker's browser for the next file. */
export async function closeContexts(browser: Browser): Promise<void> {
  await Promise.all(browser.contexts().map((c) => c.close().catch(() => {})));
}
