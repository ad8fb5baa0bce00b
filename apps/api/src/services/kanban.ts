import type { EntityManager } from '@crm/db';
import { nextEtape, type Etape } from '@crm/shared';
import { ApiError, badRequest, conflict } from '../lib/errors.js';
import { intArrayLiteral } from '../lib/pgArrays.js';
import { sql, sqlOne } from '../lib/sql/runner.js';

/**
 * Boards whose cards carry a `position` inside a column: the opportunity pipeline (column = etape)
 * and the task board (column = statut). `position` is a sparse sort key (contract): unique and
 * ordered per column (deferred unique (column, position)), not contiguous. A move takes a key
 * between its new neighbours, so it writes the moved card only; when the neighbours' keys are
 * adjacent, a small window of the following cards is spread out again (never the whole column).
 */
export interface Board {
  table: 'opportunites' | 'taches';
  column: 'etape' | 'statut';
}
export const OPPORTUNITE_BOARD: Board = { table: 'opportunites', column: 'etape' };
export const TACHE_BOARD: Board = { table: 'taches', column: 'statut' };

/** Spacing of keys given at the end of a column and by a renumbered window. */
export const POSITION_GAP = 1024;
const MAX_KEY = 2_147_483_647;
/** A card dropped at the top of a column takes this fraction of the room above the first card (see placeCard). */
const TOP_FRACTION = 16;
/** A renumbered window leaves at least this spacing (so the next moves there are free again). */
const MIN_SPREAD = 64;

/** Where the card goes: `avant`/`apres` another card of the target column, before the first key ≥ `position`, or the end. */
export interface Placement {
  avant?: number;
  apres?: number;
  position?: number;
}

/**
 * Whether a write's input sets only these fields (a board move: its column, place and, for
 * opportunités, outcome), so the service may take its one-UPDATE path instead of the entity's.
 */
export function movesOnly(input: object, fields: ReadonlySet<string>): boolean {
  return Object.entries(input).every(([k, v]) => v === undefined || fields.has(k));
}

/** One placement at most (contract: "one of"); 400 on the extra field otherwise. */
export function hasPlacement(p: Placement): boolean {
  const given = (['avant', 'apres', 'position'] as const).filter((k) => p[k] !== undefined);
  if (given.length > 1) throw badRequest({ [given[1]]: ['err.placement_unique'] });
  return given.length === 1;
}

/**
 * Locks the given columns for the rest of the transaction. Every position writer goes through
 * here: a transaction-scoped advisory lock per column, always taken in the same (sorted) order so
 * two moves between the same columns never deadlock; it serializes writers even on an empty
 * column (row locks alone cannot stop two inserts).
 */
export async function lockColumns(
  em: EntityManager,
  board: Board,
  values: string[],
  opts: { asyncCommit?: boolean } = {},
): Promise<void> {
  const keys = [...new Set(values)].sort();
  if (!keys.length) return;
  const marks = keys.map(() => '?').join(', ');
  // See moveCard: a pure board move commits without waiting for the WAL flush (same statement, no extra round trip).
  const commit = opts.asyncCommit ? `, set_config('synchronous_commit', 'off', true)` : '';
  await sql(
    em,
    `select pg_advisory_xact_lock(hashtext(k))${commit} from unnest(array[${marks}]::text[]) with ordinality as x(k, n) order by n`,
    keys.map((k) => `${board.table}:${k}`),
  );
}

/**
 * The key card `id` takes in column `value` (under that column's lock), for the caller to store
 * with the card's other changes. `from` is the column the caller read the card in, before the lock
 * (null for a card being created): the same statement reads the card's key as locked, 409
 * `error.card_moved` when it is no longer there (the caller's transaction is run again, see
 * retryMoves), and the card keeps its key when it already sits at the asked place. `visible`
 * restricts the cards that `avant`/`apres` may name to those the caller sees (SQL on alias `x`,
 * with its params). One statement reads the card and both neighbours; only an exhausted gap costs
 * a renumbering of a few cards.
 */
export async function placeCard(
  em: EntityManager,
  board: Board,
  value: string,
  id: number,
  placement: Placement,
  from: string | null,
  visible: { sql: string; params: unknown[] } | null,
): Promise<number> {
  const { table, column } = board;
  // Each neighbour is one step along the index on (column, position) including id (migration
  // Migration20261206170000_colonne_index): its bound is a row comparison on both keys, which only
  // that index can serve, so PostgreSQL never walks the bare position index (kept for
  // `?ordering=position`) through every other column's cards — 200 000 rows when this column's keys
  // sat at the far end. Each subquery binds (column, card, column) then its own key.
  const step = (op: '<' | '>' | '>=', key: string) =>
    `(select n.position from ${table} n where n.${column} = ? and n.id <> ? and (n.${column}, n.position) ${op} (?::text, ${key})
       order by n.${column} ${op === '<' ? 'desc' : 'asc'}, n.position ${op === '<' ? 'desc' : 'asc'} limit 1)`;
  // The card's own key, as locked, in the column it was read in.
  const own = from === null ? 'null::int' : `(select m.position from ${table} m where m.id = ? and m.${column} = ?)`;
  const ownParams = from === null ? [] : [id, from];
  let lo: number | null;
  let hi: number | null;
  let cur: number | null;
  if (placement.avant !== undefined || placement.apres !== undefined) {
    const field = placement.avant !== undefined ? 'avant' : 'apres';
    const ref = (placement.avant ?? placement.apres)!;
    if (ref === id) throw badRequest({ [field]: ['err.placement_soi'] });
    const seen = visible ? `and ${visible.sql}` : '';
    const near = step(field === 'avant' ? '<' : '>', 'r.position');
    const row = await sqlOne<{ k: number | null; near: number | null; cur: number | null }>(
      em,
      `select r.k, r.near, ${own} as cur from (select 1) one left join lateral (
         select r.position as k, ${near} as near from ${table} r
          where r.id = ? and r.${column} = ? and exists (select 1 from ${table} x where x.id = r.id ${seen})) r on true`,
      [...ownParams, value, id, value, ref, value, ...(visible?.params ?? [])],
    );
    if (from !== null && row!.cur === null) throw conflict('error.card_moved');
    if (row!.k === null) throw badRequest({ [field]: ['err.placement_carte'] });
    [lo, hi] = field === 'avant' ? [row!.near, row!.k] : [row!.k, row!.near];
    cur = row!.cur;
  } else {
    // Before the first other card whose key is ≥ position (0 = top); the end when there is none.
    const row = await sqlOne<{ hi: number | null; lo: number | null; cur: number | null }>(
      em,
      `select h.hi, ${step('<', `coalesce(h.hi::bigint, ${MAX_KEY + 1})`)} as lo, ${own} as cur from (select ${step('>=', '?')} as hi) h`,
      [value, id, value, ...ownParams, value, id, value, Math.min(placement.position ?? MAX_KEY, MAX_KEY)],
    );
    if (from !== null && row!.cur === null) throw conflict('error.card_moved');
    hi = placement.position === undefined ? null : row!.hi;
    lo = row!.lo;
    cur = row!.cur;
  }
  const current = from === value ? cur : null;
  // Already there: nothing to write.
  if (current !== null && (lo === null || current > lo) && (hi === null || current < hi)) return current;
  const start = lo ?? -1;
  if (hi === null && start + 1 <= MAX_KEY - POSITION_GAP) return start + POSITION_GAP;
  const to = hi ?? MAX_KEY + 1;
  // The top of a column (no card before): just above the first card, a 16th of the room away, not
  // halfway. Drops at the top come in series (the newest deal first), and halving left room for 10
  // of them after which a renumbering of 8+ cards was due; a 16th leaves room for about 100 (and
  // still a gap between each for a drop among them). Keys stay ≥ 0 (contract).
  if (lo === null && hi !== null && to - start >= 2) return hi - Math.max(1, Math.floor((hi - start) / TOP_FRACTION));
  if (to - start >= 2) return start + Math.floor((to - start) / 2);
  return respread(em, board, value, id, start);
}

/**
 * A move of card `id`, read unlocked as being in column `from`, to column `to`: both columns are
 * locked (same order as every writer), then placeCard reads the card as locked and its neighbours
 * in one statement and gives its key (409 when the card moved meanwhile).
 *
 * `pureMove` (the request changes only the card's column, place and outcome: drag and drop,
 * avancer-étape) makes the transaction commit asynchronously (`synchronous_commit = off`, local to
 * it): the commit returns without waiting for the WAL to reach the disk, which is most of a move's
 * time on an ordinary disk (an fsync costs 5–20 ms here, the rest of the move about 3 ms). The
 * trade-off is PostgreSQL's documented one: the database stays consistent, but a crash of the
 * server (not of the API) within ~0.6 s of a move may lose that move — the card, its timeline event
 * and its webhook events together, as they share the transaction; the user sees the card back in
 * its previous place. Every other write, a PATCH that also edits the card's fields included, stays
 * durable.
 */
export async function moveCard(
  em: EntityManager,
  board: Board,
  id: number,
  from: string,
  to: string,
  placement: Placement,
  visible: { sql: string; params: unknown[] } | null,
  pureMove = false,
): Promise<number> {
  await lockColumns(em, board, [from, to], { asyncCommit: pureMove });
  return placeCard(em, board, to, id, placement, from, visible);
}

/**
 * No key is free between `from` and the next card: the cards after `from` are spread out again
 * over a window that grows (8, 32, 128… cards) until its span leaves MIN_SPREAD between keys;
 * the moved card gets the first slot. Writes that window only (the unique check is deferred).
 */
async function respread(em: EntityManager, board: Board, value: string, id: number, from: number): Promise<number> {
  const { table, column } = board;
  for (let w = 8; ; w *= 4) {
    const rows = await sql<{ id: number; position: number }>(
      em,
      `select n.id, n.position from ${table} n where n.${column} = ? and n.id <> ? and (n.${column}, n.position) > (?::text, ?) order by n.${column}, n.position limit ?`,
      [value, id, value, from, w + 1],
    );
    const bound = rows.length > w ? rows[w].position : MAX_KEY + 1;
    const moved = rows.slice(0, w);
    const step = Math.floor((bound - from) / (moved.length + 2));
    if (step < MIN_SPREAD && rows.length > w) continue;
    if (step < 1) throw new Error(`${table}: column ${value} has no room left`);
    const ids = moved.map((r) => r.id);
    const keys = moved.map((_, i) => from + step * (i + 2));
    await sql(
      em,
      `update ${table} t set position = v.k from unnest(?::int[], ?::int[]) as v(id, k) where t.id = v.id`,
      [`{${ids.join(',')}}`, `{${keys.join(',')}}`],
    );
    return from + step;
  }
}

/** Tail of the queue of each column key in this process (see `serializeMoves`). */
const queues = new Map<string, Promise<void>>();

async function acquire(key: string): Promise<() => void> {
  const prev = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = prev.then(() => mine);
  queues.set(key, tail);
  await prev;
  return () => {
    release();
    if (queues.get(key) === tail) queues.delete(key);
  };
}

/**
 * Runs `fn` (a move's transaction) after the other moves of this process touching the same
 * columns: writers of one column wait here, in memory, instead of each holding a pool connection
 * while PostgreSQL makes it wait for the column's advisory lock (50 drops into one column would
 * otherwise exhaust the pool and time out). The advisory locks still serialize instances.
 * `target` gives the destination column from the card's current one (undefined: the same).
 */
export async function serializeMoves<T>(
  em: EntityManager,
  board: Board,
  id: number,
  target: (current: string) => string | undefined,
  fn: () => Promise<T>,
  seen: { etape?: string; statut?: string } = {},
): Promise<T> {
  const row = await sqlOne<{ v: string }>(em, `select ${board.column} as v from ${board.table} where id = ?`, [id]);
  if (row) seen[board.column] = row.v;
  return serializeColumns(board, row ? [row.v, target(row.v) ?? row.v] : [], fn);
}

/** `fn` after this process's other writers of those columns (sorted keys: no cycle). */
export async function serializeColumns<T>(board: Board, values: string[], fn: () => Promise<T>): Promise<T> {
  const releases: Array<() => void> = [];
  try {
    for (const v of [...new Set(values)].sort()) releases.push(await acquire(`${board.table}:${v}`));
    return await fn();
  } finally {
    for (const r of releases.reverse()) r();
  }
}

/**
 * The board writes of a mutation (procedure path and raw input), queued with `serializeMoves` /
 * `serializeColumns` by a tRPC middleware before any transaction of the request starts (a request
 * must not hold a pool connection while it waits its turn). Null when the mutation moves no card.
 */
export function boardWriteOf(
  em: EntityManager,
  path: string,
  raw: unknown,
  seen: { etape?: string; statut?: string } = {},
): (<T>(fn: () => Promise<T>) => Promise<T>) | null {
  const input = (raw ?? {}) as Record<string, unknown>;
  const [family, name] = path.split('.');
  const board = family === 'opportunites' ? OPPORTUNITE_BOARD : family === 'taches' ? TACHE_BOARD : null;
  if (!board) return null;
  const target = input[board.column];
  const column = typeof target === 'string' ? target : undefined;
  if (name === 'create')
    return (fn) => serializeColumns(board, [column ?? (board === OPPORTUNITE_BOARD ? 'prospect' : 'a_faire')], fn);
  const id = Number(input.id);
  if (!Number.isSafeInteger(id) || id < 1 || id > MAX_KEY) return null;
  if (name === 'avancerEtape' && board === OPPORTUNITE_BOARD)
    return (fn) => serializeMoves(em, board, id, (v) => nextEtape(v as Etape) ?? undefined, fn, seen);
  if (name === 'complete' && board === TACHE_BOARD)
    return (fn) => serializeMoves(em, board, id, () => 'terminee', fn, seen);
  const moves = column !== undefined || ['avant', 'apres', 'position'].some((k) => input[k] !== undefined);
  if ((name === 'patch' || name === 'update') && moves)
    return (fn) => serializeMoves(em, board, id, () => column, fn, seen);
  return null;
}

/** PostgreSQL aborted the transaction to break a lock cycle (possible with writers outside these helpers). */
const isDeadlock = (err: unknown): boolean => (err as { code?: string } | null)?.code === '40P01';

/**
 * Runs a transaction that moves a card again (a few times) when the card moved under it, or when
 * PostgreSQL chose it as a deadlock victim: both are rolled back whole, so a rerun is safe.
 */
export async function retryMoves<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const retriable = (err instanceof ApiError && err.messageKey === 'error.card_moved') || isDeadlock(err);
      if (i >= attempts || !retriable) throw err;
    }
  }
}

/**
 * Bulk move (bulk actions): the cards not already in column `target` go to its end, in their
 * previous order and POSITION_GAP apart (closer only when the key space left at the end is short),
 * with `extraSet` applied to them. Keys are sparse: the columns they left keep their gaps, no other
 * card is rewritten. Every column involved is locked first (same order as single moves). Returns
 * the ids moved.
 */
export async function moveManyToColumn(
  em: EntityManager,
  board: Board,
  ids: number[],
  target: string,
  extraSet = '',
  extraParams: unknown[] = [],
): Promise<number[]> {
  const { table, column } = board;
  const arr = intArrayLiteral(ids);
  const sources = (
    await sql<{ v: string }>(
      em,
      `select distinct ${column} as v from ${table} where id = any(?::int[]) and ${column} <> ?`,
      [arr, target],
    )
  ).map((r) => r.v);
  if (!sources.length) return [];
  await lockColumns(em, board, [...sources, target]);
  const moved = await sql<{ id: number }>(
    em,
    `with m as (select id, row_number() over (order by ${column}, position, id) as rn from ${table} where id = any(?::int[]) and ${column} <> ?),
          base as (select coalesce(max(position), -1)::bigint as p, (select count(*) from m) as n from ${table} where ${column} = ?)
     update ${table} t set ${column} = ?,
            position = base.p + m.rn * greatest(1, least(${POSITION_GAP}, (${MAX_KEY} - base.p) / (base.n + 1))),
            date_modification = now()${extraSet ? `, ${extraSet}` : ''}
       from m, base where t.id = m.id returning t.id`,
    [arr, target, target, target, ...extraParams],
  );
  return moved.map((r) => r.id);
}
