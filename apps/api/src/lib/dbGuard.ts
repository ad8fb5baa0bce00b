import type { DatabaseProbe } from '@crm/db';
import { unavailable } from './errors.js';

/**
 * Admission to the database, so that overload and outages answer 503 + Retry-After quickly
 * instead of piling up on the pool and failing with 500s:
 *
 * - Backpressure: at most `slots` requests use the database at once; the others wait in line
 *   (FIFO) at most `queueTimeoutMs`, then get a 503. The pool keeps `reserved` connections beyond
 *   those slots for cheap requests (login, refresh, logout) that are admitted ahead of the line,
 *   and the health probe has its own connection: both stay served when slow requests fill the pool.
 * - Breaker: when a request fails because the database did not answer, the probe checks it; if it
 *   does not answer either, the database is *down*: every request answers 503 at once (no piling
 *   onto dead connections) while the probe retries every second; its first success closes the
 *   breaker. No restart needed.
 */
export class DatabaseGuard {
  private active = 0;
  private readonly line: Array<{ go: () => void; timer: NodeJS.Timeout }> = [];
  private down = false;
  private retry?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly probe: DatabaseProbe,
    private readonly slots: number,
    private readonly queueTimeoutMs: number,
  ) {}

  get isDown(): boolean {
    return this.down;
  }

  /** Runs `fn` once admitted. `priority`: cheap request served from the reserved connections, never queued. */
  async run<T>(fn: () => Promise<T>, priority = false): Promise<T> {
    if (this.down) throw unavailable();
    if (priority) return fn();
    // A finishing request hands its slot straight to the next in line (no overtaking).
    if (this.active >= this.slots) await this.wait();
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.line.shift();
      if (next) next.go();
      else this.active--;
    }
  }

  private wait(): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = {
        go: () => {
          clearTimeout(entry.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.line.splice(this.line.indexOf(entry), 1);
          reject(unavailable());
        }, this.queueTimeoutMs),
      };
      this.line.push(entry);
    });
  }

  /** `/api/health/`: asks the probe (bounded), and opens or closes the breaker accordingly. */
  async check(): Promise<boolean> {
    const ok = await this.probe.check();
    this.setDown(!ok);
    return ok;
  }

  /** A request failed for want of an answer from the database: is it down, or only busy? */
  suspect(): void {
    if (!this.down) void this.check();
  }

  private setDown(down: boolean): void {
    this.down = down;
    if (down && !this.retry && !this.closed) {
      this.retry = setInterval(() => void this.check(), 1_000);
      this.retry.unref();
    } else if (!down && this.retry) {
      clearInterval(this.retry);
      this.retry = undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearInterval(this.retry);
    await this.probe.close();
  }
}
