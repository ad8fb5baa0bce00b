/**
 * Web performance on a throttled mobile profile (CPU ×4, 9 Mbit/s, 40 ms RTT, cold cache):
 * first-load JavaScript per route, gzip and brotli (every script the page requested until it was
 * usable), checked against the budgets below, and time until the page is usable (its heading and
 * data shown, no spinner left). Also the build's largest chunk (Vite warns above 500 kB).
 * Runs the built SPA (`vite build` first; PERF_DIST for another build) on the real API over a
 * throw-away database, in Debian's chromium. Prints a table and a `PERF {json}` line; exits with 1
 * when a budget is missed.
 *
 *   cd apps/web && npx vite build && npx tsx scripts/perf.ts       (or: pnpm --filter @crm/web bench)
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startE2E } from '../e2e/harness';

const ROUTES = ['/login', '/', '/clients', '/opportunites/pipeline', '/devis/nouveau'];
/** First-load JS budgets, gzip, in kB (issue #14): the login page and the dashboard. */
const BUDGET_GZIP_KB: Record<string, number> = { '/login': 120, '/': 200 };
const CHUNK_LIMIT_KB = 500;
const RUNS = Number(process.env.PERF_RUNS ?? 3);
const dist = path.resolve(process.env.PERF_DIST ?? path.join(import.meta.dirname, '../dist'));

const kB = (bytes: number) => Math.round(bytes / 102.4) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Compressed size as served: the build's pre-compressed copy, else computed the same way. */
function compressedSize(file: string, encoding: 'gz' | 'br'): number {
  if (fs.existsSync(`${file}.${encoding}`)) return fs.statSync(`${file}.${encoding}`).size;
  const content = fs.readFileSync(file);
  return encoding === 'gz'
    ? zlib.gzipSync(content, { level: 9 }).length
    : zlib.brotliCompressSync(content, {
        params: {
          [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
          [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
        },
      }).length;
}

function chunksOf(dir: string): { file: string; bytes: number }[] {
  return fs
    .readdirSync(path.join(dir, 'assets'))
    .filter((f) => f.endsWith('.js'))
    .map((f) => ({ file: `assets/${f}`, bytes: fs.statSync(path.join(dir, 'assets', f)).size }))
    .sort((a, b) => b.bytes - a.bytes);
}

interface Row {
  route: string;
  scripts: number;
  jsKB: number;
  jsGzipKB: number;
  jsBrotliKB: number;
  /** Script bytes that crossed the network (what the server actually sent, encoded). */
  jsTransferKB: number;
  budgetGzipKB: number | '';
  budget: 'ok' | 'MISS' | '';
  usableMs: number;
}

async function main() {
  const e2e = await startE2E({ webDist: dist });
  const rows: Row[] = [];
  try {
    await e2e.user('perf', 'manager');
    const api = await e2e.api('perf');
    const c = await api('POST', '/clients/', { nom: 'Client de mesure' });
    for (let i = 0; i < 10; i++)
      await api('POST', '/opportunites/', {
        nom: `Opportunité ${i}`,
        client: c.id,
        montant: 1000 * i,
        probabilite: 50,
      });
    // The login cookies, reused by every cold-cache context below.
    const state = await (await e2e.loggedIn('perf')).context().storageState();

    for (const route of ROUTES) {
      const times: number[] = [];
      let scripts = new Map<string, number>();
      for (let run = 0; run < RUNS; run++) {
        const context = await e2e.browser.newContext({
          viewport: { width: 390, height: 844 },
          isMobile: true,
          hasTouch: true,
          storageState: route === '/login' ? undefined : state,
        });
        const page = await context.newPage();
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.enable');
        await cdp.send('Network.emulateNetworkConditions', {
          offline: false,
          latency: 40,
          downloadThroughput: (9e6 / 8) | 0,
          uploadThroughput: (9e6 / 8) | 0,
        });
        await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
        const requested = new Map<string, Promise<number>>();
        page.on('request', (r) => {
          if (r.resourceType() !== 'script') return;
          requested.set(
            new URL(r.url()).pathname,
            r
              .response()
              .then(async () => (await r.sizes()).responseBodySize)
              .catch(() => 0),
          );
        });
        await page.goto(`${e2e.base}${route}`, { waitUntil: 'commit' });
        await page.locator('main h1, .login-card h1').first().waitFor({ timeout: 60_000 });
        await page.waitForFunction(() => !document.querySelector('.loading'), undefined, { timeout: 60_000 });
        times.push(await page.evaluate(() => performance.now()));
        scripts = new Map(await Promise.all([...requested].map(async ([p, size]) => [p, await size] as const)));
        await context.close();
      }
      const files = [...scripts.keys()].map((p) => path.join(dist, p));
      const sum = (f: (file: string) => number) => files.reduce((s, file) => s + f(file), 0);
      const jsGzipKB = kB(sum((f) => compressedSize(f, 'gz')));
      const budgetGzipKB: number | '' = route in BUDGET_GZIP_KB ? BUDGET_GZIP_KB[route] : '';
      rows.push({
        route,
        scripts: files.length,
        jsKB: kB(sum((f) => fs.statSync(f).size)),
        jsGzipKB,
        jsBrotliKB: kB(sum((f) => compressedSize(f, 'br'))),
        jsTransferKB: kB([...scripts.values()].reduce((s, n) => s + n, 0)),
        budgetGzipKB,
        budget: budgetGzipKB === '' ? '' : jsGzipKB <= budgetGzipKB ? 'ok' : 'MISS',
        usableMs: Math.round(median(times)),
      });
    }
  } finally {
    await e2e.close();
  }
  const chunks = chunksOf(dist);
  const largest = {
    file: chunks[0].file,
    kB: kB(chunks[0].bytes),
    limitKB: CHUNK_LIMIT_KB,
    ok: kB(chunks[0].bytes) <= CHUNK_LIMIT_KB,
  };
  console.table(rows);
  console.log(
    `${chunks.length} JS chunks; largest ${largest.file} ${largest.kB} kB (limit ${CHUNK_LIMIT_KB} kB: ${largest.ok ? 'ok' : 'MISS'})`,
  );
  console.log(
    `PERF ${JSON.stringify({ profile: 'CPU x4, 9 Mbit/s, 40 ms RTT, 390x844, cold cache', runs: RUNS, rows, largestChunk: largest })}`,
  );
  const missed = [
    ...rows.filter((r) => r.budget === 'MISS').map((r) => `${r.route}: ${r.jsGzipKB} kB gzip > ${r.budgetGzipKB} kB`),
    ...(largest.ok ? [] : [`${largest.file}: ${largest.kB} kB > ${CHUNK_LIMIT_KB} kB`]),
  ];
  if (missed.length) {
    console.error(`Budget missed: ${missed.join('; ')}`);
    process.exitCode = 1;
  }
}

void main().then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
