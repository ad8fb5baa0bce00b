import type { EntityManager } from '@crm/db';
import { ApiError, conflict } from '../lib/errors.js';
import { sql, sqlOne } from '../lib/db.js';

/**
 * Boards whose cards carry a `position` inside a column: the opportunity pipeline (column = etape)
 * and the task board (column = statut). The database has a deferred unique (column, position);
 * these helpers keep every column's positions contiguous from 0, inside the caller's transaction.
 */
export interface Board {
  table: 'opportunites' | 'taches';
  column: 'etape' | 'statut';
}
export const OPPORTUNITE_BOARD: Board = { table: 'opportunites', column: 'etape' };
export const TACHE_BOARD: Board = { table: 'taches', column: 'statut' };

const END = 2_147_483_647;

/**
 * Locks the given columns for the rest of the transaction. Every position writer goes through
 * here: a transaction-scoped advisory lock per column, always taken in the same (sorted) order so
 * two moves between the same columns never deadlock; it serializes writers even on an empty
 * column (row locks alone cannot stop two inserts). The rows themselves are not locked up front:
 * a move only touches the cards between its old and new places, locked by the updates themselves.
 */
export async function lockColumns(em: EntityManager, board: Board, values: string[]): Promise<void> {
  const keys = [...new Set(values)].sort();
  if (!keys.length) return;
  const marks = keys.map(() => '?').join(', ');
  await sql(em, `select pg_advisory_xact_lock(hashtext(k)) from unnest(array[${marks}]::text[]) with ordinality as x(k, n) order by n`,
    keys.map((k) => `${board.table}:${k}`));
}

/**
 * Puts card `id` (already stored in column `value`, out of the column's numbering: new, or its
 * old place closed with `closeGap`) at index `position` of that column — the end when `position`
 * is undefined or past the end. Only the cards at or after that index move (one statement), so a
 * move costs the distance it travels, not the column's size.
 */
export async function placeInColumn(em: EntityManager, board: Board, value: string, id: number, position?: number): Promise<void> {
  const { table, column } = board;
  await sql(
    em,
    `with target as (
       select least(?::int, coalesce((select max(position) + 1 from ${table} where ${column} = ? and id <> ?), 0)) as p
     )
     update ${table} t set position = case when t.id = ? then target.p else t.position + 1 end
       from target
      where t.${column} = ? and (t.id = ? or (t.id <> ? and t.position >= target.p))`,
    [Math.min(position ?? END, END), value, id, id, value, id, id],
  );
}

/** Closes the place a card left (moved out, moved within, or deleted): the cards after it move up one. */
export async function closeGap(em: EntityManager, board: Board, value: string, position: number, exceptId = 0): Promise<void> {
  await sql(em, `update ${board.table} set position = position - 1 where ${board.column} = ? and position > ? and id <> ?`, [value, position, exceptId]);
}

/**
 * Locks the source and target columns of a move of card `id`, read unlocked as being in column
 * `from`, and returns the card's position as locked. If another transaction moved the card
 * meanwhile, the caller's transaction is rolled back (409 `error.card_moved`) and `retryMoves`
 * runs it again on fresh data.
 */
export async function lockMove(em: EntityManager, board: Board, id: number, from: string, to: string): Promise<number> {
  await lockColumns(em, board, [from, to]);
  const now = await sqlOne(em, `select ${board.column} as v, position from ${board.table} where id = ?`, [id]);
  if (now?.v !== from) throw conflict('error.card_moved');
  return now.position;
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

/** Postgres array literal of ids (one bound parameter, `= any(?::int[])`, whatever the count). */
export const idArray = (ids: number[]): string => `{${ids.map((n) => Math.trunc(n)).join(',')}}`;

/** Renumbers the given columns contiguously from 0, in their current order (after bulk moves or deletions). */
export async function renumberColumns(em: EntityManager, board: Board, values: string[]): Promise<void> {
  if (!values.length) return;
  const { table, column } = board;
  await sql(em, `update ${table} t set position = r.rn - 1
    from (select id, row_number() over (partition by ${column} order by position, id) as rn from ${table} where ${column} = any(?::text[])) r
    where t.id = r.id and t.position <> r.rn - 1`, [`{${values.map((v) => `"${v}"`).join(',')}}`]);
}

/**
 * Bulk move (bulk actions): the cards not already in column `target` go to its end, in their
 * previous order, with `extraSet` applied to them; the columns they left are renumbered. Every
 * column involved is locked first (same order as single moves). Returns the ids moved.
 */
export async function moveManyToColumn(em: EntityManager, board: Board, ids: number[], target: string, extraSet = '', extraParams: unknown[] = []): Promise<number[]> {
  const { table, column } = board;
  const arr = idArray(ids);
  const sources = (await sql<{ v: string }>(em, `select distinct ${column} as v from ${table} where id = any(?::int[]) and ${column} <> ?`, [arr, target])).map((r) => r.v);
  if (!sources.length) return [];
  await lockColumns(em, board, [...sources, target]);
  const moved = await sql<{ id: number }>(
    em,
    `with m as (select id, row_number() over (order by ${column}, position, id) as rn from ${table} where id = any(?::int[]) and ${column} <> ?),
          base as (select coalesce(max(position) + 1, 0) as p from ${table} where ${column} = ?)
     update ${table} t set ${column} = ?, position = base.p + m.rn - 1, date_modification = now()${extraSet ? `, ${extraSet}` : ''}
       from m, base where t.id = m.id returning t.id`,
    [arr, target, target, target, ...extraParams],
  );
  await renumberColumns(em, board, sources);
  return moved.map((r) => r.id);
}
