/**
 * Pure helpers of the kanban boards (opportunités by étape, tâches by statut): a board is a map
 * column → cards ordered by `position`. Kept free of React so they are unit-tested directly.
 */
export interface BoardCard {
  id: number;
  position: number;
}
export type Board<K extends string, T extends BoardCard> = Record<K, T[]>;

export interface Move<K extends string> {
  id: number;
  from: K;
  to: K;
  fromIndex: number;
  /** Final index of the card in the target column, among the cards shown (optimistic update). */
  toIndex: number;
  /**
   * The shown card the moved one now sits just before (else just after): the server places it
   * against that neighbour, so a filtered board (only some of a column's cards shown) lands where
   * the card was dropped. Neither when the target column shows no other card (end of column).
   */
  avant?: number;
  apres?: number;
}

/** The API's placement fields of a move: `avant` / `apres` its shown neighbour. */
export function placementOf<K extends string>(
  move: Move<K>,
): { avant: number } | { apres: number } | Record<string, never> {
  if (move.avant !== undefined) return { avant: move.avant };
  if (move.apres !== undefined) return { apres: move.apres };
  return {};
}

/** Groups cards by column (unknown columns dropped), each column ordered by position then id. */
export function groupBoard<K extends string, T extends BoardCard>(
  columns: readonly K[],
  cards: T[],
  columnOf: (c: T) => K,
): Board<K, T> {
  const board = Object.fromEntries(columns.map((k) => [k, [] as T[]])) as Board<K, T>;
  for (const c of cards) board[columnOf(c)]?.push(c);
  for (const k of columns) board[k].sort((a, b) => a.position - b.position || a.id - b.id);
  return board;
}

export function findCard<K extends string, T extends BoardCard>(
  board: Board<K, T>,
  id: number,
): { column: K; index: number } | null {
  for (const column of Object.keys(board) as K[]) {
    const index = board[column].findIndex((c) => c.id === id);
    if (index >= 0) return { column, index };
  }
  return null;
}

/**
 * Moves card `id` to column `to` at `toIndex` (index after removal, like arrayMove), renumbering
 * positions 0..n-1 in the columns touched. Returns a new board; the input is not modified.
 */
export function moveCard<K extends string, T extends BoardCard>(
  board: Board<K, T>,
  id: number,
  to: NoInfer<K>,
  toIndex: number,
  setColumn: (card: T, column: K) => T,
): Board<K, T> {
  const found = findCard(board, id);
  if (!found || !board[to]) return board;
  const source = [...board[found.column]];
  const [card] = source.splice(found.index, 1);
  const target = found.column === to ? source : [...board[to]];
  const index = Math.max(0, Math.min(toIndex, target.length));
  target.splice(index, 0, found.column === to ? card : setColumn(card, to));
  const renumber = (cards: T[]) => cards.map((c, i) => (c.position === i ? c : { ...c, position: i }));
  return { ...board, [found.column]: renumber(source), [to]: renumber(target) };
}

/** The move between two boards for one card, or null when it did not change place. */
export function diffMove<K extends string, T extends BoardCard>(
  before: Board<K, T>,
  after: Board<K, T>,
  id: number,
): Move<K> | null {
  const a = findCard(before, id);
  const b = findCard(after, id);
  if (!a || !b || (a.column === b.column && a.index === b.index)) return null;
  const next = after[b.column][b.index + 1];
  const prev = after[b.column][b.index - 1];
  return {
    id,
    from: a.column,
    to: b.column,
    fromIndex: a.index,
    toIndex: b.index,
    ...(next ? { avant: next.id } : prev ? { apres: prev.id } : {}),
  };
}

/** Applies a move to a page of results of one column's list query (cache update). */
export function applyMoveToColumn<K extends string, T extends BoardCard>(
  column: K,
  cards: T[],
  move: Move<K>,
  moved: T,
  setColumn: (card: T, column: K) => T,
): T[] {
  const without = cards.filter((c) => c.id !== move.id);
  if (column !== move.to) return without.map((c, i) => (c.position === i ? c : { ...c, position: i }));
  const next = [...without];
  next.splice(Math.max(0, Math.min(move.toIndex, next.length)), 0, setColumn(moved, column));
  return next.map((c, i) => (c.position === i ? c : { ...c, position: i }));
}

/**
 * Applies a move to a column shown as several loaded pages (one query each): the pages are read
 * as one list, the move applied, and the list cut again at the same page lengths (the last page
 * takes what is left), so that the cards keep their order whatever page they sit in.
 */
export function applyMoveToPages<K extends string, T extends BoardCard>(
  column: K,
  pages: T[][],
  move: Move<K>,
  moved: T,
  setColumn: (card: T, column: K) => T,
): T[][] {
  const next = applyMoveToColumn(column, pages.flat(), move, moved, setColumn);
  let from = 0;
  return pages.map((page, i) => {
    const part = i === pages.length - 1 ? next.slice(from) : next.slice(from, from + page.length);
    from += page.length;
    return part;
  });
}

/** The cards of a column's loaded pages in order, each once (a card moved between two page loads may appear on both). */
export function joinPages<T extends BoardCard>(pages: (T[] | undefined)[]): T[] {
  const seen = new Set<number>();
  const out: T[] = [];
  for (const page of pages) {
    for (const card of page ?? []) {
      if (seen.has(card.id)) continue;
      seen.add(card.id);
      out.push(card);
    }
  }
  return out;
}
