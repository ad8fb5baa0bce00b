import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withCrossTabLock } from './crossTabLock';

/**
 * The storage-lease fallback (no Web Locks: happy-dom has none, like a page served over plain http).
 * Two calls in one document contend exactly as two tabs do: each has its own lease id.
 */
describe('withCrossTabLock without Web Locks', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    localStorage.clear();
  });
  afterEach(() => vi.useRealTimers());

  /** Runs `n` lock holders at once, each busy for `busyMs`; returns the [start, end] of each. */
  async function contend(n: number, busyMs: number): Promise<[number, number][]> {
    const spans: [number, number][] = [];
    const all = Promise.all(
      Array.from({ length: n }, () =>
        withCrossTabLock('test', async () => {
          const start = Date.now();
          await new Promise((r) => setTimeout(r, busyMs));
          spans.push([start, Date.now()]);
        }),
      ),
    );
    await vi.advanceTimersByTimeAsync(n * (busyMs + 2_000));
    await all;
    return spans.sort((a, b) => a[0] - b[0]);
  }

  it('runs the holders one at a time', async () => {
    const spans = await contend(3, 200);
    expect(spans).toHaveLength(3);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
  });

  it('a holder busy for longer than the lease keeps it (renewed) instead of letting the next one in', async () => {
    const spans = await contend(2, 12_000);
    expect(spans).toHaveLength(2);
    expect(spans[1][0]).toBeGreaterThanOrEqual(spans[0][1]);
  });

  it('a lease that nobody renews (its tab is gone) frees itself within seconds', async () => {
    localStorage.setItem('crm:lock:test', JSON.stringify({ id: 'gone', until: Date.now() + 3_000 }));
    let ranAt = 0;
    const started = Date.now();
    const done = withCrossTabLock('test', async () => {
      ranAt = Date.now();
    });
    await vi.advanceTimersByTimeAsync(5_000);
    await done;
    expect(ranAt - started).toBeGreaterThanOrEqual(3_000);
    expect(ranAt - started).toBeLessThan(4_000);
  });
});
