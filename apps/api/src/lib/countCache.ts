import type { EntityManager } from '@crm/db';
import { OrmSlot } from './ormSlot.js';

/**
 * Exact counts of big lists, cached briefly. `count(*)` over 100k rows costs milliseconds on every
 * page request; a count at or above `threshold` is kept for `ttlMs` and dropped at once by
 * `invalidate()` (a committed write to a listed table, here or, with Redis, on another instance:
 * see DataChanges).
 * Small counts (tests, small teams) are never cached, so they are always exact. A count computed
 * while an invalidation happened is not stored (it may predate the write).
 */
export class CountCache {
  private readonly entries = new Map<string, { n: number; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<number>>();
  private generation = 0;
  constructor(
    readonly ttlMs = 10_000,
    readonly threshold = 10_000,
    private readonly maxEntries = 1000,
  ) {}

  /** `always`: keep the count even when small (its computation scans the table, see `Where.scans`). */
  async count(key: string, compute: () => Promise<number>, always = false): Promise<number> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.n;
    const running = this.inflight.get(key);
    if (running) return running;
    const generation = this.generation;
    const p = compute().then(
      (n) => {
        if (this.generation === generation) {
          this.inflight.delete(key);
          if (n >= this.threshold || always) {
            if (this.entries.size >= this.maxEntries) this.entries.clear();
            this.entries.set(key, { n, expiresAt: Date.now() + this.ttlMs });
          }
        }
        return n;
      },
      (err) => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
        throw err;
      },
    );
    this.inflight.set(key, p);
    return p;
  }

  /** The cached count of `key`, if any (no computation). */
  peek(key: string): number | undefined {
    const hit = this.entries.get(key);
    return hit && hit.expiresAt > Date.now() ? hit.n : undefined;
  }

  /** Set by createDeps: tells the other instances (Redis pub/sub) to drop their counts too. */
  onInvalidate?: () => void;

  /** After a write to the table: drops the counts here and, through `onInvalidate`, everywhere. */
  invalidate(): void {
    this.invalidateLocal();
    this.onInvalidate?.();
  }

  invalidateLocal(): void {
    this.generation++;
    this.entries.clear();
    this.inflight.clear();
  }
}

/**
 * Lists are read by services that only have an EntityManager: they find the app's count cache
 * (`AppDeps.countCache`, created by createDeps) through the ORM (see OrmSlot).
 */
const COUNT_CACHE = new OrmSlot<CountCache>('crm:countCache');

export function attachCountCache(orm: { config: EntityManager['config'] }, cache: CountCache): void {
  COUNT_CACHE.attach(orm, cache);
}

/**
 * `compute()` through the app's count cache, else exact every time. `key` must name everything
 * the count depends on (the where clause and its params).
 */
export async function countRows(
  em: EntityManager,
  key: string,
  compute: () => Promise<number>,
  always = false,
): Promise<number> {
  const cache = usableCache(em);
  return cache ? cache.count(key, compute, always) : compute();
}

/** The app's cached count of `key`, if any, without computing it (none inside a transaction). */
export function peekCount(em: EntityManager, key: string): number | undefined {
  return usableCache(em)?.peek(key);
}

/** The app's count cache, unless there is none or `em` is in a transaction (a count must then see its own writes). */
function usableCache(em: EntityManager): CountCache | undefined {
  if (em.isInTransaction()) return undefined;
  return COUNT_CACHE.of(em);
}
