import type { EntityManager } from '@crm/db';
import { OrmSlot } from './ormSlot.js';

/**
 * The listed tables a write to `table` can change the rows of, through the database's triggers
 * (owners copied from clients to everything under them, from an opportunité to its devis, a
 * projet's client to its tâches) and foreign keys (a devis deleted unlinks its projets). A table
 * this map does not know drops every count.
 */
const REACHES: Record<string, readonly string[]> = {
  clients: ['clients', 'opportunites', 'projets', 'taches', 'devis'],
  opportunites: ['opportunites', 'devis'],
  projets: ['projets', 'taches'],
  taches: ['taches'],
  devis: ['devis', 'projets'],
};

/** Generation key of the counts that read none of the listed tables. */
const OTHER = ' other';

/** Tables named after `from` or `join` in a count's key (its statement, subqueries included). */
function tablesOf(key: string): string[] {
  return [...new Set([...key.matchAll(/\b(?:from|join)\s+([a-z_][a-z0-9_]*)/gi)].map((m) => m[1].toLowerCase()))];
}

/**
 * Exact counts of big lists, cached briefly. `count(*)` over 100k rows costs milliseconds on every
 * page request; a count at or above `threshold` is kept for `ttlMs` and dropped at once by
 * `invalidate(tables)` (a committed write to those tables, here or, with Redis, on another
 * instance: see DataChanges) — only the counts whose statement reads a table the write can change
 * (REACHES): moving tâches all day on the board leaves the clients' and opportunités' counts be.
 * Small counts (tests, small teams) are never cached, so they are always exact. A count computed
 * while one of its tables was invalidated is not stored (it may predate the write).
 */
export class CountCache {
  private readonly entries = new Map<string, { n: number; expiresAt: number; tables: string[] }>();
  private readonly inflight = new Map<string, Promise<number>>();
  /** Invalidations per table (`*`: all), to tell whether a computation overlapped one of its tables'. */
  private readonly generations = new Map<string, number>();
  constructor(
    readonly ttlMs = 10_000,
    readonly threshold = 10_000,
    private readonly maxEntries = 1000,
  ) {}

  private generationOf(tables: string[]): number {
    let g = this.generations.get('*') ?? 0;
    for (const t of tables) g += this.generations.get(t) ?? 0;
    if (!tables.some((t) => t in REACHES)) g += this.generations.get(OTHER) ?? 0;
    return g;
  }

  /** `always`: keep the count even when small (its computation scans the table, see `Where.scans`). */
  async count(key: string, compute: () => Promise<number>, always = false): Promise<number> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.n;
    const running = this.inflight.get(key);
    if (running) return running;
    const tables = tablesOf(key);
    const generation = this.generationOf(tables);
    const p = compute().then(
      (n) => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
        if (this.generationOf(tables) === generation && (n >= this.threshold || always)) {
          if (this.entries.size >= this.maxEntries) this.entries.clear();
          this.entries.set(key, { n, expiresAt: Date.now() + this.ttlMs, tables });
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

  /** Set by createDeps: tells the other instances (Redis pub/sub) to drop their counts of those tables too. */
  onInvalidate?: (tables: string[]) => void;

  /** After a write to `tables`: drops the counts they can change, here and, through `onInvalidate`, everywhere. */
  invalidate(tables: Iterable<string>): void {
    const written = [...tables];
    this.invalidateLocal(written);
    this.onInvalidate?.(written);
  }

  /** Drops the counts `tables` can change (REACHES); every count when `tables` is omitted or names an unknown table. */
  invalidateLocal(tables?: Iterable<string>): void {
    const reached = new Set<string>();
    let all = tables === undefined;
    for (const t of tables ?? []) {
      const r = REACHES[t];
      if (!r) all = true;
      else for (const x of r) reached.add(x);
    }
    if (all) {
      this.generations.set('*', (this.generations.get('*') ?? 0) + 1);
      this.entries.clear();
      this.inflight.clear();
      return;
    }
    // A count reading none of the listed tables (another list's, kept by `always`) is dropped by
    // every invalidation, as before counts were told apart.
    const drops = (tables: string[]) => tables.some((t) => reached.has(t)) || !tables.some((t) => t in REACHES);
    for (const t of [...reached, OTHER]) this.generations.set(t, (this.generations.get(t) ?? 0) + 1);
    for (const [key, e] of this.entries) if (drops(e.tables)) this.entries.delete(key);
    for (const key of this.inflight.keys()) if (drops(tablesOf(key))) this.inflight.delete(key);
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
