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
 * two moves between the same columns never deadlock, serializes writers even on an empty column
 * (row locks alone cannot stop two inserts); then the columns' rows are locked too.
 */
export async function lockColumns(em: EntityManager, board: Board, values: string[]): Promise<void> {
  const keys = [...new Set(values)].sort();
  if (!keys.length) return;
  const marks = keys.map(() => '?').join(', ');
  await sql(em, `select pg_advisory_xact_lock(hashtext(k)) from unnest(array[${marks}]::text[]) with ordinality as x(k, n) order by n`,
    keys.map((k) => `${board.table}:${k}`));
  await sql(em, `select id from ${board.table} where ${board.column} in (${marks}) order by id for update`, keys);
}

/**
 * Puts card `id` (already stored in column `value`) at index `position` of that column — the end
 * when `position` is undefined or past the end — and renumbers the other cards 0..n-1 around it,
 * in one statement. With `id` null it only closes gaps (after a card left or was deleted).
 * Only rows whose position changes are written.
 */
export async function placeInColumn(em: EntityManager, board: Board, value: string, id: number | null, position?: number): Promise<void> {
  const { table, column } = board;
  const moving = id ?? 0;
  await sql(
    em,
    `with ranked as (
       select id, (row_number() over (order by position, id) - 1)::int as r from ${table} where ${column} = ? and id <> ?
     ), target as (
       select least(?::int, (select count(*)::int from ranked)) as p
     ), wanted as (
       select ranked.id, case when ranked.r >= target.p then ranked.r + 1 else ranked.r end as pos from ranked, target
       union all
       select ?::int, target.p from target where ?::int > 0
     )
     update ${table} t set position = wanted.pos from wanted where t.id = wanted.id and t.position <> wanted.pos`,
    [value, moving, Math.min(position ?? END, END), moving, moving],
  );
}

/**
 * Locks the source and target columns of a move of card `id`, read unlocked as being in column
 * `from`. If another transaction moved the card meanwhile, the caller's transaction is rolled
 * back (409 `error.card_moved`) and `retryMoves` runs it again on fresh data.
 */
export async function lockMove(em: EntityManager, board: Board, id: number, from: string, to: string): Promise<void> {
  await lockColumns(em, board, [from, to]);
  const now = await sqlOne(em, `select ${board.column} as v from ${board.table} where id = ?`, [id]);
  if (now?.v !== from) throw conflict('error.card_moved');
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
