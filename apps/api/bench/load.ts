import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

export interface Scenario {
  name: string;
  method?: 'GET' | 'PATCH' | 'POST';
  /** A fixed path, or one computed per request (random ids, search terms…). */
  path: string | (() => string);
  body?: () => unknown;
  /** Overrides of the run's connections and per-request timeout (s) for slow scenarios. */
  connections?: number;
  timeout?: number;
}

export interface LoadResult {
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/**
 * The load generator: autocannon, or wrk (C, Debian's `wrk` package) with BENCH_LOADER=wrk. Measured
 * back to back on the quiet 2-core machine (session 5), wrk gave no better numbers (clients-list 548
 * and 583 req/s against autocannon's 639 and 675, API CPU per request higher), so autocannon stays
 * the default and the numbers stay comparable with earlier sessions'.
 */
export const LOADER: 'wrk' | 'autocannon' = process.env.BENCH_LOADER === 'wrk' && hasWrk() ? 'wrk' : 'autocannon';

function hasWrk(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk prints its version and exits 1: installed when the binary ran at all.
    return (err as { code?: string }).code !== 'ENOENT' && (err as { status?: number }).status !== undefined;
  }
}

/** One bounded load run against `baseUrl` with a Bearer token (wrk or autocannon, see LOADER). */
export function load(
  baseUrl: string,
  token: string,
  s: Scenario,
  opts: { duration: number; connections: number },
): Promise<LoadResult> {
  return LOADER === 'wrk' && !s.body && (s.method ?? 'GET') === 'GET'
    ? loadWrk(baseUrl, token, s, opts)
    : loadAutocannon(baseUrl, token, s, opts);
}

/** wrk reads its paths from a file (computed here: a fresh random path per request, up to 20 000, then again). */
const WRK_SCRIPT = `
local paths = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16) % 1000)
  i = math.random(#paths) - 1
end
request = function()
  i = i % #paths + 1
  return wrk.format(nil, paths[i])
end
done = function(summary, latency, requests)
  io.write(string.format('WRKJSON {"requests":%d,"duration":%d,"p50":%d,"p99":%d,"status":%d,"errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`;

let wrkDir: string | undefined;

function loadWrk(
  baseUrl: string,
  token: string,
  s: Scenario,
  opts: { duration: number; connections: number },
): Promise<LoadResult> {
  wrkDir ??= mkdtempSync(path.join(tmpdir(), 'crm-wrk-'));
  const script = path.join(wrkDir, 'paths.lua');
  writeFileSync(script, WRK_SCRIPT);
  const file = path.join(wrkDir, `${s.name.replace(/[^a-z0-9]+/gi, '_')}.txt`);
  const n = typeof s.path === 'function' ? 20_000 : 1;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(typeof s.path === 'function' ? s.path() : s.path);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const connections = s.connections ?? opts.connections;
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${opts.duration}s`,
    `--timeout`,
    `${s.timeout ?? 10}s`,
    '-H',
    `Authorization: Bearer ${token}`,
    '-H',
    'Accept: application/json',
    '-s',
    script,
    baseUrl,
    '--',
    file,
  ];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      const m = /WRKJSON (\{.*\})/.exec(stdout);
      if (!m) return reject(err ?? new Error(`wrk: no summary in ${stdout}`));
      const r = JSON.parse(m[1]) as {
        requests: number;
        duration: number;
        p50: number;
        p99: number;
        status: number;
        errors: number;
      };
      const seconds = r.duration / 1e6;
      const perSec = r.requests / seconds;
      resolve({
        requests: r.requests,
        reqPerSec: perSec >= 10 ? Math.round(perSec) : Number(perSec.toFixed(2)),
        p50: Number((r.p50 / 1000).toFixed(1)),
        p99: Number((r.p99 / 1000).toFixed(1)),
        non2xx: r.status,
        errors: r.errors,
      });
    });
  });
}

function loadAutocannon(
  baseUrl: string,
  token: string,
  s: Scenario,
  opts: { duration: number; connections: number },
): Promise<LoadResult> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
  if (s.body) headers['content-type'] = 'application/json';
  const dynamic = typeof s.path === 'function' || s.body;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: typeof s.path === 'string' ? baseUrl + s.path : baseUrl,
        connections: s.connections ?? opts.connections,
        duration: opts.duration,
        timeout: s.timeout ?? 10,
        method: s.method ?? 'GET',
        headers,
        ...(dynamic
          ? {
              requests: [
                {
                  setupRequest: (req: any) => {
                    req.path = typeof s.path === 'function' ? s.path() : s.path;
                    if (s.body) req.body = JSON.stringify(s.body());
                    return req;
                  },
                },
              ],
            }
          : {}),
      } as any,
      (err: Error | null, r: any) => {
        if (err) return reject(err);
        resolve({
          requests: r.requests.total,
          reqPerSec:
            r.requests.average >= 10
              ? Math.round(r.requests.average)
              : Number((r.requests.total / r.duration).toFixed(2)),
          p50: r.latency.p50,
          p99: r.latency.p99,
          non2xx: r.non2xx,
          errors: r.errors + r.timeouts,
        });
      },
    );
  });
}
