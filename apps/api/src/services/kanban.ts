import type { EntityManager } from '@crm/db';
import { nextEtape, type Etape } from '@crm/shared';
import { ApiError, badRequest, conflict, notFound } from '../lib/errors.js';
import { intArrayLiteral, textArrayLiteral } from '../lib/pgArrays.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import type { Where } from '../lib/sql/where.js';
import { type EventRecord, eventsInsertFrom } from './evenements.js';
import { reportCardWrite, subscribersSql } from './webhookEvents.js';

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

/** Spacing of keys given at the end of a column, and the widest a renumbered window spaces them. */
export const POSITION_GAP = 1024;
const MAX_KEY = 2_147_483_647;
const MIN_KEY = -2_147_483_648;
/**
 * A card dropped at the top of a column takes a key TOP_STEP above the first card, or a
 * TOP_FRACTION of the room there when that is shorter (see placementSql).
 */
const TOP_STEP = 64;
const TOP_FRACTION = 16;
/**
 * Room a renumbered window leaves where the card goes, per card of the window (see respread): at
 * the top of a column, TOP_ROOM drops at TOP_STEP; elsewhere GAP_ROOM keys.
 */
const TOP_ROOM = 4;
const GAP_ROOM = 8;
/**
 * The spacing a renumbered window of k cards must leave between them: 4, plus 2 for each of these
 * sizes that k reaches (16 from 256 cards). A small window may stay denser than a large one, so
 * a dense stretch of a column is renumbered locally instead of up to where the column is sparse.
 */
const SPREAD_SIZES = [8, 16, 32, 64, 128, 256];

/**
 * The cards of one column other than the moved one, on one side of `key` (SQL: a bound parameter or
 * an expression), on alias `n`: `n.id <> ?`, then two row comparisons on (column, position), one
 * closing the column's far end, the other against the key. Both bound the scan of the index on
 * (column, position), which starts at the key. With `n.column = ?` instead of the closing one,
 * PostgreSQL's B-tree scan starts at the column's first card (its equality key wins over the row
 * comparison) and walks every key before the one asked: a move deep into a 400 000-card column read
 * 1 500 index pages (7–10 ms) against 5 near its top. Binds (card, column, column), then the key's.
 */
export function columnRange(column: string, op: '<' | '>' | '>=', key: string): string {
  const closing = op === '<' ? `>= (?::text, ${MIN_KEY})` : `<= (?::text, ${MAX_KEY})`;
  return `n.id <> ? and (n.${column}, n.position) ${closing} and (n.${column}, n.position) ${op} (?::text, ${key})`;
}

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
  // See columnLocks: a pure board move commits without waiting for the WAL flush (same statement, no extra round trip).
  const commit = opts.asyncCommit ? `, set_config('synchronous_commit', 'off', true)` : '';
  await sql(
    em,
    `select pg_advisory_xact_lock(hashtext(k))${commit} from unnest(array[${marks}]::text[]) with ordinality as x(k, n) order by n`,
    keys.map((k) => `${board.table}:${k}`),
  );
}

/**
 * The column a write may send a card to, as a function of the card's current column (SQL `current`
 * in columnLocks): a named column, the same one (undefined), or one step of a map (avancer-étape:
 * each stage to the next; a stage missing from the map or mapped to null stays).
 */
export type TargetColumn = string | undefined | Readonly<Record<string, string | null>>;

/**
 * The locks of a write that may move a card, as a scalar subquery of the statement that reads the
 * card (select list, `current` the card's column there): the advisory locks of the card's column
 * and of its target column (same keys and sorted order as lockColumns, so writers never deadlock),
 * taken only when the card moves (`placed`, or a target column other than its own), with the
 * asynchronous commit of a pure move (below) in the same statement.
 *
 * The card's row in that statement is read before the locks are granted (its snapshot is the
 * statement's start): a later statement re-reads the card as locked (placementSql's `cur`, the
 * move's update on the column it was read in) and answers 409 `error.card_moved` when it moved.
 *
 * `asyncCommit` (the request changes only the card's column, place and outcome: drag and drop,
 * avancer-étape) makes the transaction commit asynchronously (`synchronous_commit = off`, local to
 * it): the commit returns without waiting for the WAL to reach the disk, which is most of a move's
 * time on an ordinary disk (an fsync costs 5–20 ms here, the rest of the move about 3 ms). The
 * trade-off is PostgreSQL's documented one: the database stays consistent, but a crash of the
 * server (not of the API) within ~0.6 s of a move may lose that move — the card, its timeline event
 * and its webhook events together, as they share the transaction; the user sees the card back in
 * its previous place. Every other write, a PATCH that also edits the card's fields included, stays
 * durable.
 */
function columnLocks(
  board: Board,
  current: string,
  target: TargetColumn,
  placed: boolean,
  opts: { asyncCommit?: boolean } = {},
): { sql: string; params: unknown[] } {
  const to =
    target === undefined
      ? { sql: current, params: [] as unknown[] }
      : typeof target === 'string'
        ? { sql: '?::text', params: [target] }
        : {
            sql: `coalesce((select m.t from unnest(?::text[], ?::text[]) m(f, t) where m.f = ${current}), ${current})`,
            params: (() => {
              const steps = Object.entries(target).filter((e): e is [string, string] => e[1] !== null);
              return [textArrayLiteral(steps.map((e) => e[0])), textArrayLiteral(steps.map((e) => e[1]))];
            })(),
          };
  const commit = opts.asyncCommit ? `, set_config('synchronous_commit', 'off', true)` : '';
  // Volatile functions of a sorted select run after the sort (in key order); `count` keeps them (a
  // subquery's unused volatile outputs are never dropped).
  return {
    sql: `(select count(*) from (select pg_advisory_xact_lock(hashtext('${board.table}:' || v))${commit}
       from (select distinct v from (select ${current} as a, ${to.sql} as b) s, unnest(array[s.a, s.b]) v
              where ?::boolean or s.a <> s.b) d
      order by v collate "C") l)`,
    params: [...to.params, placed],
  };
}

/**
 * The first statement of a write that may move a card (PUT, PATCH, a board move): the card's
 * `columns` as the caller sees it (`from`, its list's FROM with the card's alias, and `where`, the
 * card's id within the caller's scope) with its columns' locks taken in the same statement
 * (columnLocks on `current`, the card's column there). Prepared, like the move's statement (see
 * moveStatement). 404 when the caller does not see the card.
 */
export async function readCardLocked<T>(
  tem: EntityManager,
  board: Board,
  read: { columns: string; current: string; from: string; where: Where },
  target: TargetColumn,
  placed: boolean,
  asyncCommit: boolean,
): Promise<T> {
  const locks = columnLocks(board, read.current, target, placed, { asyncCommit });
  const [card] = await sql<T>(
    tem,
    `select ${read.columns}, ${locks.sql} as locks ${read.from} ${read.where}`,
    [...locks.params, ...read.where.params],
    { prepare: true },
  );
  if (!card) throw notFound();
  return card;
}

/**
 * One row, under the columns' lock, placing card `id` in column `value`: `cur`, the card's own key
 * in the column `from` it was read in (null when it is no longer there, or for a card being
 * created: `from` null); `ref`, false when `avant`/`apres` names no card of that column that the
 * caller sees (`visible`: SQL on alias `x` with its params); `lo`, the key of its new upper
 * neighbour; `key`, the key it takes — its own when it already sits at the asked place, else a
 * free one between its new neighbours, or null when there is none (then respread makes room).
 * The card and both neighbours are read in this one statement, run alone (placeCard) or inside
 * the move's write (moveStatement).
 */
export function placementSql(
  board: Board,
  value: string,
  id: number,
  placement: Placement,
  from: string | null,
  visible: { sql: string; params: unknown[] } | null,
): { sql: string; params: unknown[] } {
  const { table, column } = board;
  // Each neighbour is one step along the index on (column, position) including id (migration
  // Migration20261206170000_colonne_index), bounded by row comparisons on both keys (columnRange):
  // only that index serves them, so PostgreSQL never walks the bare position index (kept for
  // `?ordering=position`) through every other column's cards, and the scan starts at the key, not
  // at the column's first card. Each subquery binds (card, column, column) then its own key.
  const step = (op: '<' | '>' | '>=', key: string) =>
    `(select n.position from ${table} n where ${columnRange(column, op, key)}
       order by n.${column} ${op === '<' ? 'desc' : 'asc'}, n.position ${op === '<' ? 'desc' : 'asc'} limit 1)`;
  // The card's own key, as locked, in the column it was read in.
  const own = from === null ? 'null::int' : `(select m.position from ${table} m where m.id = ? and m.${column} = ?)`;
  const ownParams = from === null ? [] : [id, from];
  let row: { sql: string; params: unknown[] };
  const ref = placement.avant ?? placement.apres;
  if (ref !== undefined) {
    const field = placement.avant !== undefined ? 'avant' : 'apres';
    if (ref === id) throw badRequest({ [field]: ['err.placement_soi'] });
    const seen = visible ? `and ${visible.sql}` : '';
    const near = step(field === 'avant' ? '<' : '>', 'r.position');
    const [lo, hi] = field === 'avant' ? ['r.near', 'r.k'] : ['r.k', 'r.near'];
    row = {
      sql: `select ${own} as cur, r.k is not null as ref, ${lo} as lo, ${hi} as hi from (select 1) one left join lateral (
         select r.position as k, ${near} as near from ${table} r
          where r.id = ? and r.${column} = ? and exists (select 1 from ${table} x where x.id = r.id ${seen})) r on true`,
      params: [...ownParams, id, value, value, ref, value, ...(visible?.params ?? [])],
    };
  } else {
    // Before the first other card whose key is ≥ position (0 = top); the end when there is none.
    const hi = placement.position === undefined ? 'null::int' : 'h.hi';
    // At the top (keys are ≥ 0) no card comes before: no walk down from the first card (through
    // the dead versions that a series of drops at the top leaves there).
    const top = placement.position !== undefined && placement.position <= 0;
    const lo = top
      ? { sql: 'null::int', params: [] }
      : { sql: step('<', `coalesce(h.hi::bigint, ${MAX_KEY + 1})`), params: [id, value, value] };
    row = {
      sql: `select ${own} as cur, true as ref, ${lo.sql} as lo, ${hi} as hi
              from (select ${step('>=', '?')} as hi offset 0) h`,
      params: [...ownParams, ...lo.params, id, value, value, Math.min(placement.position ?? MAX_KEY, MAX_KEY)],
    };
  }
  // Its own key counts only in its own column; `s`/`t` bound the free keys (exclusive). (`offset 0`:
  // each subquery above runs once, not once per use of its column in the expressions below.)
  const current = from === value ? 'p.cur' : 'null::int';
  const s = 'coalesce(p.lo::bigint, -1)';
  const t = `coalesce(p.hi::bigint, ${MAX_KEY + 1})`;
  return {
    sql: `select p.cur, p.ref, p.lo, (case
        when not p.ref or (${from !== null} and p.cur is null) then null
        -- Already there: it keeps its key.
        when ${current} is not null and (p.lo is null or ${current} > p.lo) and (p.hi is null or ${current} < p.hi) then ${current}
        -- The end of the column: a gap after the last card.
        when p.hi is null and ${s} + 1 <= ${MAX_KEY - POSITION_GAP} then ${s} + ${POSITION_GAP}
        -- The top of a column (no card before): just above the first card, TOP_STEP away or a 16th of
        -- the room when that is shorter, not halfway. Drops at the top come in series (the newest deal
        -- first): halving left room for 10 of them; a fixed step uses the room a renumbering leaves
        -- there (respread) one drop per TOP_STEP keys, and a 16th then about 100 drops more (with
        -- a gap between each for a drop among them). Keys stay >= 0 (contract).
        when p.lo is null and p.hi is not null and ${t} - ${s} >= 2
          then p.hi - greatest(1, least(${TOP_STEP}, (p.hi - ${s}) / ${TOP_FRACTION}))
        when ${t} - ${s} >= 2 then ${s} + (${t} - ${s}) / 2
      end)::int as key from (${row.sql} offset 0) p`,
    params: row.params,
  };
}

/** What placementSql found: 409 when the card left the column it was read in, 400 on a bad `avant`/`apres`. */
export function checkPlacement(row: { cur: number | null; ref: boolean }, from: string | null, placement: Placement) {
  if (from !== null && row.cur === null) throw conflict('error.card_moved');
  if (!row.ref) throw badRequest({ [placement.avant !== undefined ? 'avant' : 'apres']: ['err.placement_carte'] });
}

/**
 * The key card `id` takes in column `value` (under that column's lock), for the caller to store
 * with the card's other changes (creation, an edit that also moves the card): placementSql run
 * alone, 409 `error.card_moved` when the card is no longer in `from` (the caller's transaction is
 * run again, see retryMoves). Only an exhausted gap costs a renumbering of a few cards.
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
  const place = placementSql(board, value, id, placement, from, visible);
  const row = await withRoom(em, board, value, id, from, placement, async () =>
    sqlOne<{ cur: number | null; ref: boolean; lo: number | null; key: number | null }>(em, place.sql, place.params),
  );
  return row.key!;
}

/**
 * A board move's write, in one statement after the read that locked the columns (columnLocks):
 * the card's key between its new neighbours (`place`, placementSql; null when the card stays), the
 * UPDATE of the card (`set`: its other columns, alias `card`) — only if it is still in column `from` and a key
 * was found —, its timeline `events`, and the answer: `answer(source)` selects the detail's columns
 * over the updated row `source` (the UPDATE's RETURNING: no second read). `extra` columns ride
 * along (the webhook subscribers' check). Returns the statement; its row has placementSql's `cur`,
 * `ref`, `lo`, `key` (see moveCard for the protocol), the `extra` columns, and the answer's
 * columns (null when nothing was written).
 */
export function moveStatement(
  board: Board,
  id: number,
  from: string,
  place: { sql: string; params: unknown[] } | null,
  set: { sql: string; params: unknown[] },
  events: EventRecord[],
  answer: (source: string) => string,
  extra: { sql: string; params: unknown[] } = { sql: '', params: [] },
): { sql: string; params: unknown[] } {
  const { table, column } = board;
  const stays = { sql: 'select null::int as cur, true as ref, null::int as lo, null::int as key', params: [] };
  const p = place ?? stays;
  const where = place ? `and card.${column} = ? and place.key is not null` : '';
  const ev = events.length ? eventsInsertFrom(events, 'done') : null;
  return {
    sql: `with place as (${p.sql}),
      done as (update ${table} card set ${set.sql}, position = coalesce(place.key, card.position) from place
                where card.id = ? ${where} returning card.*)${ev ? `,\n      ev as (${ev.sql})` : ''}
      select place.cur, place.ref, place.lo, place.key${extra.sql ? `, ${extra.sql}` : ''}, answer.*
        from place left join (${answer('done')}) answer on true`,
    params: [...p.params, ...set.params, id, ...(place ? [from] : []), ...(ev?.params ?? []), ...extra.params],
  };
}

/**
 * Runs a move's statement (moveStatement; `placement` null when the card stays): 409 / 400 from
 * its placement (checkPlacement); when no key was free between the new neighbours, a few cards
 * after the upper one are spread out (respread) and the statement runs once more. Returns its row
 * (the answer's columns included).
 */
async function moveCard<T extends Record<string, any>>(
  em: EntityManager,
  board: Board,
  to: string,
  id: number,
  from: string,
  placement: Placement | null,
  write: { sql: string; params: unknown[] },
): Promise<T> {
  // Prepared: planning this statement (placement, update, events, answer) cost more than running
  // it; each pooled connection plans each of its few variants once.
  const row = await withRoom(em, board, to, id, from, placement, async () => {
    const [r] = await sql<
      T & { id: number | null; cur: number | null; ref: boolean; lo: number | null; key: number | null }
    >(em, write.sql, write.params, { prepare: true });
    return r;
  });
  // Deleted since it was read.
  if (row.id === null) throw notFound();
  return row;
}

/**
 * A board move (drag and drop, avancer-étape, complete) of card `id` from column `from` to `to`,
 * inside the request's transaction `tem` after the card's read took its columns' locks: placement
 * (`placement` null when the card stays in its place), the UPDATE (`set`), the timeline `events`
 * and the answer (`answer`: the detail's columns over the updated row, and their mapping) in one
 * statement (moveStatement), which also tells whether any webhook subscribes to the resource. The
 * column before and that answer are reported to the webhook layer on `em`, the request's
 * EntityManager (reportCardWrite). Shared by opportunités and tâches.
 */
export async function boardMove<T>(
  em: EntityManager,
  tem: EntityManager,
  board: Board,
  move: {
    id: number;
    from: string;
    to: string;
    placement: Placement | null;
    visible: { sql: string; params: unknown[] } | null;
    set: { sql: string; params: unknown[] };
    events: EventRecord[];
    answer: { sql: (source: string) => string; map: (row: Record<string, any>) => T };
  },
): Promise<T> {
  const { id, from, to, placement } = move;
  const place = placement ? placementSql(board, to, id, placement, from, move.visible) : null;
  const hooks = subscribersSql(board.table);
  const row = await moveCard<Record<string, any>>(
    tem,
    board,
    to,
    id,
    from,
    placement,
    moveStatement(board, id, from, place, move.set, move.events, move.answer.sql, {
      sql: `${hooks.sql} as hooked`,
      params: hooks.params,
    }),
  );
  reportCardWrite(em, { before: { [board.column]: from }, subscribed: row.hooked });
  return move.answer.map(row);
}

/**
 * Runs a statement that places card `id` (placementSql's columns) until it found a free key: 409 /
 * 400 from its placement (checkPlacement); when no key was free between the new neighbours, a few
 * cards after the upper one are spread out (respread) and the statement runs once more. `placement`
 * null: the card stays, the row is returned as is.
 */
async function withRoom<R extends { cur: number | null; ref: boolean; lo: number | null; key: number | null }>(
  em: EntityManager,
  board: Board,
  to: string,
  id: number,
  from: string | null,
  placement: Placement | null,
  run: () => Promise<R | undefined>,
): Promise<R> {
  for (let attempt = 1; ; attempt++) {
    const row = (await run())!;
    if (!placement) return row;
    checkPlacement(row, from, placement);
    if (row.key !== null) return row;
    if (attempt > 1) throw new Error(`${board.table}: no key left in column ${to}`);
    await respread(em, board, to, id, row.lo ?? -1);
  }
}

/**
 * No key is free between `from` (-1: the top of the column) and the next card: the window of cards
 * after `from` is renumbered, the moved card (`id`) left out, with room where the card goes (its
 * placement then runs again). The window is the smallest run of k cards after `from` whose span (up
 * to the card after it, exclusive) holds, past the room, k + 1 steps of at least the spacing a
 * window of k cards must leave (SPREAD_SIZES): the whole rest of the column when none does. Its
 * cards are spaced evenly after the room, at most POSITION_GAP apart.
 *
 * The room grows with the window (list labelling): a series of drops at one place, which used up
 * the room there, finds a window holding all of them and leaves room for more in proportion. At
 * the top of a column (drops of the newest deal first, one TOP_STEP each) that is TOP_ROOM drops
 * per card of the window, so the next renumbering there comes TOP_ROOM times as many drops later
 * as this one rewrote cards: under one rewrite per drop however long the series (the windows grow
 * geometrically, each about as large as the series so far). Spread evenly from the top, as
 * windows were, they left two steps of room there, used up ~70 drops later by a window grown to
 * the whole dense block (up to 2 000 cards on the bench, every ~70 drops). Elsewhere a drop takes
 * the middle of its gap, so room lasts log2(room) drops: GAP_ROOM keys per card of the window.
 *
 * Reads the keys after `from` up to the window's end (64, then 256, 1 024… at a time), then one
 * update; writes that window only (the unique check is deferred).
 */
async function respread(em: EntityManager, board: Board, value: string, id: number, from: number): Promise<void> {
  const { table, column } = board;
  const room = from < 0 ? TOP_ROOM * TOP_STEP : GAP_ROOM;
  const spread = (k: number) => 4 + 2 * SPREAD_SIZES.filter((size) => k >= size).length;
  const fits = (k: number, bound: number) => k > 0 && Math.floor((bound - from - room * k) / (k + 1)) >= spread(k);
  const after = columnRange(column, '>', '?');
  // The window's end: the first card after k others such that they fit before it, read along the
  // index on (column, position) in growing batches (a walk PostgreSQL would not stop early).
  let k = 0;
  let bound = MAX_KEY + 1;
  for (let batch = 64, last = from; ; batch *= 4) {
    const next = windowKeysSql(board, value, id, last, batch);
    const keys = (await sql<{ position: number }>(em, next.sql, next.params)).map((r) => r.position);
    const end = keys.findIndex((key, i) => fits(k + i, key));
    if (end >= 0) {
      k += end;
      bound = keys[end];
      break;
    }
    k += keys.length;
    if (keys.length < batch) break;
    last = keys[keys.length - 1];
  }
  if (!k) throw new Error(`${table}: no key left in column ${value} after ${from}`);
  // The room, then k steps; when the rest of the column is too short for the room, steps only (the
  // first one free).
  let free = room * k;
  let step = Math.min(POSITION_GAP, Math.floor((bound - from - free) / (k + 1)));
  if (step < 1) {
    free = 0;
    step = Math.floor((bound - from) / (k + 1));
  }
  if (free + step < 2) throw new Error(`${table}: column ${value} has no room left`);
  const before = bound <= MAX_KEY ? ` and (n.${column}, n.position) < (?::text, ?)` : '';
  await sql(
    em,
    `update ${table} t set position = ?::bigint + ?::bigint * w.i from (
       select n.id, row_number() over (order by n.position) as i from ${table} n where ${after}${before}
     ) w where t.id = w.id`,
    [from + free, step, id, value, value, from, ...(before ? [value, bound] : [])],
  );
}

/** The next `batch` keys of column `value` after key `last`, card `id` left out (respread's window, read in batches). */
export function windowKeysSql(
  board: Board,
  value: string,
  id: number,
  last: number,
  batch: number,
): { sql: string; params: unknown[] } {
  const { table, column } = board;
  return {
    sql: `select n.position from ${table} n where ${columnRange(column, '>', '?')}
           order by n.${column}, n.position limit ?`,
    params: [id, value, value, last, batch],
  };
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
 * `target` gives the destination column from the card's current one (undefined: the same); the
 * current one is read here, outside any transaction (see boardWriteOf for when it is not needed).
 */
export async function serializeMoves<T>(
  em: EntityManager,
  board: Board,
  id: number,
  target: (current: string) => string | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const row = await sqlOne<{ v: string }>(em, `select ${board.column} as v from ${board.table} where id = ?`, [id]);
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
 *
 * A request that names its target column (a drop into a column, `complete`) waits behind that
 * column's writers only, without reading the card's current column first (a round trip per move):
 * its transaction still takes the advisory locks of both columns, in the same order as every
 * writer, so it may wait there for a writer of the column it leaves — a bounded wait (one request
 * per target column of this process at a time), and never a cycle (the in-memory queue is only
 * waited on before any lock is held).
 */
export function boardWriteOf(
  em: EntityManager,
  path: string,
  raw: unknown,
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
    return (fn) => serializeMoves(em, board, id, (v) => nextEtape(v as Etape) ?? undefined, fn);
  if (name === 'complete' && board === TACHE_BOARD) return (fn) => serializeColumns(board, ['terminee'], fn);
  const moves = column !== undefined || ['avant', 'apres', 'position'].some((k) => input[k] !== undefined);
  if ((name === 'patch' || name === 'update') && moves)
    return column !== undefined
      ? (fn) => serializeColumns(board, [column], fn)
      : (fn) => serializeMoves(em, board, id, () => undefined, fn);
  return null;
}

/** PostgreSQL aborted the transaction to break a lock cycle (possible with writers outside these helpers). */
const isDeadlock = (err: unknown): boolean => (err as { code?: string } | null)?.code === '40P01';

/**
 * Whether a transaction that failed with `err` may simply run again: the card moved under it, or
 * PostgreSQL chose it as a deadlock victim (also when tRPC wrapped that error: its `cause`).
 */
export function isRetriableMove(err: unknown): boolean {
  if (err instanceof ApiError && err.messageKey === 'error.card_moved') return true;
  return isDeadlock(err) || isDeadlock((err as { cause?: unknown } | null)?.cause);
}

/**
 * Runs a transaction that moves a card again (a few times) when isRetriableMove: it was rolled
 * back whole, so a rerun is safe.
 */
export async function retryMoves<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts || !isRetriableMove(err)) throw err;
    }
  }
}

/**
 * The transaction of a write that may move a card. A board move (`join`) joins the caller's
 * transaction when there is one (the webhook events' one, see trpc/middlewares/webhookEvents.ts)
 * rather than opening a savepoint in it: two statements fewer (outside any, it opens its own).
 * Nothing it throws follows a write (placement and outcome are checked first, a conflict leaves the
 * card unwritten); a failing statement aborts the whole request. It is then not run again here: a
 * rerun inside the caller's transaction would keep the advisory locks of the first attempt and
 * take others out of order; the caller runs its whole transaction again. Other writes run in their
 * own transaction (a savepoint inside the caller's, which releases its locks when rolled back),
 * retried here.
 */
export function cardTransaction<T>(em: EntityManager, join: boolean, fn: (tem: EntityManager) => Promise<T>) {
  // Joined: the caller's EntityManager, as is (no fork, flush or transaction events of its own:
  // a board move loads no entity).
  if (join && em.isInTransaction()) return fn(em);
  return retryMoves(() => em.transactional((tem) => fn(tem as EntityManager)));
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
