/**
 * Web performance on a throttled mobile profile (CPU ×4, 9 Mbit/s, 40 ms RTT, cold cache):
 * first-load JavaScript (gzip) per route and time until the page is usable (its heading and data
 * shown, no spinner left). Runs the built SPA (`vite build` first; PERF_DIST for another build) on
 * the real API over a throw-away database, in Debian's chromium. Prints a table and a `PERF {json}` line.
 *
 *   cd apps/web && npx vite build && npx tsx scripts/perf.ts       (or: pnpm --filter @crm/web bench)
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { PASSWORD, startE2E } from '../e2e/harness';

const ROUTES = ['/login', '/', '/clients', '/opportunites/pipeline', '/devis/nouveau'];
const RUNS = Number(process.env.PERF_RUNS ?? 3);
const dist = path.resolve(process.env.PERF_DIST ?? path.join(import.meta.dirname, '../dist'));

const gzipSize = (file: string) => zlib.gzipSync(fs.readFileSync(file), { level: 9 }).length;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const e2e = await startE2E({ webDist: dist });
  try {
    await e2e.user('perf', 'manager');
    const api = await e2e.api('perf');
    const c = await api('POST', '/clients/', { nom: 'Client de mesure' });
    for (let i = 0; i < 10; i++) await api('POST', '/opportunites/', { nom: `Opportunité ${i}`, client: c.id, montant: 1000 * i, probabilite: 50 });
    // The login cookies, reused by every cold-cache context below.
    const state = await (await e2e.loggedIn('perf')).context().storageState();

    const rows: { route: string; jsGzipKB: number; usableMs: number }[] = [];
    for (const route of ROUTES) {
      const times: number[] = [];
      let jsBytes = 0;
      for (let run = 0; run < RUNS; run++) {
        const context = await e2e.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: route === '/login' ? undefined : state });
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 40, downloadThroughput: (9e6 / 8) | 0, uploadThroughput: (9e6 / 8) | 0 });
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
        const scripts = new Set<string>();
        page.on('request', (r) => r.resourceType() === 'script' && scripts.add(new URL(r.url()).pathname));
        await page.goto(`${e2e.base}${route}`, { waitUntil: 'commit' });
        await page.locator('main h1, .login-card h1').first().waitFor({ timeout: 60_000 });
        await page.waitForFunction(() => !document.querySelector('.loading'), undefined, { timeout: 60_000 });
        times.push(await page.evaluate(() => performance.now()));
        jsBytes = [...scripts].reduce((s, p) => s + gzipSize(path.join(dist, p)), 0);
        await context.close();
      }
      rows.push({ route, jsGzipKB: Math.round(jsBytes / 102.4) / 10, usableMs: Math.round(median(times)) });
    }
    console.table(rows);
    console.log(`PERF ${JSON.stringify({ profile: 'CPU x4, 9 Mbit/s, 40 ms RTT, 390x844, cold cache', runs: RUNS, rows })}`);
  } finally {
    await e2e.close();
  }
}

void main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
