import fs from 'node:fs';
import { chromium } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import setupTemplateDatabase from '@crm/api/testing/global-setup';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's chromium (`launchServer`), which every test file connects to. */
    chromiumWsEndpoint: string;
  }
}

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
const chromiumPath = () =>
  process.env.CHROMIUM_PATH ?? (fs.existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : '/usr/bin/chromium');

/**
 * One chromium for the whole run, started while the template database migrates. Each file connects
 * to it and gets its own contexts (no shared cookies or storage), instead of launching and closing
 * a browser of its own (2–3 s of CPU per file on a loaded machine).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [dropTemplate, server] = await Promise.all([
    setupTemplateDatabase(),
    chromium.launchServer({
      executablePath: chromiumPath(),
      headless: true,
      args: CHROMIUM_ARGS,
    }),
  ]);
  project.provide('chromiumWsEndpoint', server.wsEndpoint());
  return async () => {
    await server.close();
    await dropTemplate();
  };
}
