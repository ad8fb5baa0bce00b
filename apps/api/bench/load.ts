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

/** One bounded autocannon run against `baseUrl` with a Bearer token. */
export function load(
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
