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
 * One chromium for the whole run, started while the template database migrates. Each file connects
 * to it and gets its own contexts (no shared cookies or storage), instead of launching and closing
 * a browser of its own (2–3 s of CPU per file on a loaded machine).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [dropTemplate, server] = await Promise.all([
    setupTemplateDatabase(),
    chromium.launchServer({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
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
