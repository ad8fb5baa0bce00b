import type { EntityManager } from '@crm/db';

/**
 * Raw SQL through MikroORM's connection, inside the EntityManager's transaction when there is one.
 * Reads use hand-written SQL (one statement per list page, joins instead of N+1); writes go
 * through entities and the unit of work. Placeholders are `?`.
 */
export async function sql<T = Record<string, any>>(em: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  const trx = em.getTransactionContext();
  // (With the ORM's `debug` on, every statement keeps the ORM path so that it is logged.)
  if (!trx && !em.config.get('debug')) {
    const numbered = readOnlyText(text, params);
    if (numbered !== null) return fastRead<T>(em, text, numbered, params);
  }
  return em.getConnection().execute<T[]>(text, params as any[], 'all', trx);
}

/**
 * Hot-path reads skip MikroORM's and knex's query building (about half the client-side CPU of a
 * query): a plain `select` outside any transaction, with scalar parameters only, runs on a
 * connection of the same knex pool with `$n` placeholders. Everything else (writes, transactions,
 * array or undefined bindings, `??`, quoted `?`) keeps the ORM path and its exact knex semantics.
 * The knex `query` event is still emitted (statement counting in tests and `pnpm bench`), and
 * errors are converted by the driver like the ORM path does.
 */
async function fastRead<T>(em: EntityManager, text: string, numbered: string, params: unknown[]): Promise<T[]> {
  const knex = em.getConnection().getKnex() as any;
  const client = knex.client;
  const conn = await client.acquireConnection();
  try {
    client.emit('query', { __knexUid: conn.__knexUid, method: 'raw', sql: text, bindings: params });
    const res = await conn.query({ text: numbered, values: params });
    return res.rows as T[];
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  } finally {
    await client.releaseConnection(conn);
  }
}

const numberedTexts = new Map<string, string | null>();

/** `text` with `?` turned into `$1…$n` when it is a plain select the fast path may run, else null. */
function readOnlyText(text: string, params: unknown[]): string | null {
  for (const p of params) {
    const t = typeof p;
    if (!(p === null || t === 'string' || t === 'number' || t === 'boolean')) return null;
  }
  let numbered = numberedTexts.get(text);
  if (numbered === undefined) {
    numbered = numberPlaceholders(text);
    if (numberedTexts.size > 5000) numberedTexts.clear();
    numberedTexts.set(text, numbered);
  }
  if (numbered === null) return null;
  // Same number of placeholders as parameters, or let knex report the mismatch its own way.
  return numbered.split('$').length - 1 === params.length ? numbered : null;
}

function numberPlaceholders(text: string): string | null {
  if (!/^\s*select\b/i.test(text) || /\bfor\s+(update|share|no\s+key|key)\b/i.test(text) || text.includes('$')) return null;
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '?') return null; // knex would not treat it as a binding either way: keep its path
      if (c === quote) quote = null;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '?') {
      if (text[i + 1] === '?' || text[i - 1] === '\\') return null;
      out += `$${++n}`;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * All rows of a plain `select`, in batches through a server-side cursor (exports of whole lists:
 * memory stays at one batch whatever the number of rows). Runs on its own pooled connection, in a
 * read-only transaction (one consistent snapshot); stopping the iteration early (client gone)
 * closes the cursor and gives the connection back.
 */
export async function* streamRows<T = Record<string, any>>(em: EntityManager, text: string, params: unknown[], batchSize = 1000): AsyncGenerator<T[]> {
  const numbered = readOnlyText(text, params);
  if (numbered === null) throw new Error('streamRows: a plain select with scalar parameters is expected');
  const knex = em.getConnection().getKnex() as any;
  const client = knex.client;
  const conn = await client.acquireConnection();
  const run = (q: string, values: unknown[] = []) => {
    client.emit('query', { __knexUid: conn.__knexUid, method: 'raw', sql: q, bindings: values });
    return conn.query({ text: q, values });
  };
  let open = false;
  try {
    await run('begin transaction isolation level repeatable read, read only');
    open = true;
    await run(`declare crm_stream no scroll cursor for ${numbered}`, params);
    for (;;) {
      const res = await run(`fetch ${Math.trunc(batchSize)} from crm_stream`);
      if (res.rows.length) yield res.rows as T[];
      if (res.rows.length < batchSize) break;
    }
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  } finally {
    if (open) await conn.query('rollback').catch(() => undefined);
    await client.releaseConnection(conn);
  }
}

export async function sqlOne<T = Record<string, any>>(em: EntityManager, text: string, params: unknown[] = []): Promise<T | undefined> {
  const rows = await sql<T>(em, text, params);
  return rows[0];
}

/**
 * Locks row `id` of `table` for the rest of the transaction; false when there is none. By primary
 * key alone on purpose: a `for update` over a join re-checks the join after waiting with the other
 * tables' rows as first read, so a row whose parent was just changed by the transaction we waited
 * for would vanish (a spurious 404). Read the row (and check visibility) in a later statement.
 */
export async function lockRow(em: EntityManager, table: 'projets' | 'devis' | 'opportunites' | 'clients' | 'taches' | 'users', id: number): Promise<boolean> {
  return (await sql(em, `select id from ${table} where id = ? for update`, [id])).length > 0;
}

/** numeric(14,2) comes back as a string: exact to the cent, returned as a JSON number. */
export const money = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
export const moneyOrNull = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
/** Integer cents → numeric literal string (exact). */
export const centsToDecimal = (cents: number): string => {
  const sign = cents < 0 ? '-' : '';
  const a = Math.abs(Math.round(cents));
  return `${sign}${Math.trunc(a / 100)}.${String(a % 100).padStart(2, '0')}`;
};
export const toCents = (n: number): number => Math.round(n * 100);
export const decimal = (n: number): string => centsToDecimal(toCents(n));

/** A PostgreSQL `text[]` literal of distinct codes (scopes, event names: no commas or quotes), for `?::text[]`. */
export const textArray = (values: readonly string[]): string => `{${[...new Set(values)].join(',')}}`;
export const iso = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : (d instanceof Date ? d : new Date(d)).toISOString();
/**
 * A timestamptz formatted by PostgreSQL exactly like `Date.prototype.toISOString()` (UTC, milliseconds
 * truncated, `Z`): list pages skip a Date parse and format per row.
 */
export const ISO_UTC = (column: string): string => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** `date` columns: pg returns 'YYYY-MM-DD' strings (type parser set in server start). */
export const day = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);

/** Today's date in UTC as YYYY-MM-DD (the contract's dates are calendar dates). */
export const today = (): string => new Date().toISOString().slice(0, 10);

/** Builds `where` clauses with `?` params. */
export class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  /** How many params each part took (to rebuild the params of `unindexed()`). */
  private readonly counts: number[] = [];
  add(clause: string, ...params: unknown[]): this {
    this.parts.push(clause);
    this.params.push(...params);
    this.counts.push(params.length);
    return this;
  }
  toString(): string {
    return this.parts.length ? `where ${this.parts.join(' and ')}` : '';
  }
  /** Clauses with another form that no index can serve (same meaning, own params): see `unindexed()`. */
  private readonly plain = new Map<number, { clause: string; params: unknown[] }>();
  /** Adds `clause` with its params, remembering `plainForm` and its params for `unindexed()`. */
  addWithPlainForm(clause: string, params: unknown[], plainForm: string, plainParams: unknown[]): this {
    this.plain.set(this.parts.length, { clause: plainForm, params: plainParams });
    return this.add(clause, ...params);
  }
  /**
   * Set when a clause cannot use any index (a search term too short for trigrams): counting then
   * reads every row, so even a small count is worth caching until the next write.
   */
  scans = false;
  get hasPlainForms(): boolean {
    return this.plain.size > 0;
  }
  /**
   * The same `where` with the plain forms: a search matching many rows is then read by walking the
   * ordering's index and testing each row (a few dozen rows for a page), instead of the planner
   * collecting every match through the trigram index and sorting them.
   */
  unindexed(): { text: string; params: unknown[] } {
    const params: unknown[] = [];
    let at = 0;
    const parts = this.parts.map((p, i) => {
      const own = this.params.slice(at, at + this.counts[i]);
      at += this.counts[i];
      const alt = this.plain.get(i);
      params.push(...(alt ? alt.params : own));
      return alt ? alt.clause : p;
    });
    return { text: parts.length ? `where ${parts.join(' and ')}` : '', params };
  }
}

/** `?ordering=-field` → SQL order by, through a whitelist of columns; always ends on id for stable pages. */
export function orderBy(ordering: string | undefined, columns: Record<string, string>, fallback: string): string {
  if (!ordering) return `order by ${fallback}`;
  const desc = ordering.startsWith('-');
  const col = columns[desc ? ordering.slice(1) : ordering];
  if (!col) return `order by ${fallback}`;
  return `order by ${col} ${desc ? 'desc' : 'asc'}, id ${desc ? 'desc' : 'asc'}`;
}

/** Escapes LIKE wildcards and folds accents/case like crm_fold() in SQL. */
export function searchPattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Exact counts of big lists, cached briefly. `count(*)` over 100k rows costs milliseconds on every
 * page request; a count at or above `threshold` is kept for `ttlMs` and dropped at once by
 * `invalidate()` (clients written through the API, here or, with Redis, on another instance).
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

/** Per-ORM registry (forks share their ORM's config object), filled by createDeps. */
const countCaches = new WeakMap<object, Record<string, CountCache>>();

export function registerCountCaches(em: EntityManager, caches: Record<string, CountCache>): void {
  countCaches.set(em.config, caches);
}

/**
 * `select count(*)` through the ORM's count cache for `table` when one is registered, else exact
 * every time. `key` must name everything the count depends on (the where clause and its params).
 */
export async function countRows(em: EntityManager, table: string, key: string, compute: () => Promise<number>, always = false): Promise<number> {
  const cache = countCaches.get(em.config)?.[table];
  // Inside a transaction the count must see the transaction's own writes.
  if (!cache || em.isInTransaction()) return compute();
  return cache.count(key, compute, always);
}

export function countCacheOf(em: EntityManager, table: string): CountCache | undefined {
  return countCaches.get(em.config)?.[table];
}
