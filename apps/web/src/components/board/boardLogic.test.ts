import { describe, expect, it } from 'vitest';
import {
  applyMoveToColumn,
  applyMoveToPages,
  diffMove,
  findCard,
  groupBoard,
  joinPages,
  moveCard,
  placementOf,
  type Board,
} from './boardLogic';

type Col = 'a' | 'b';
interface Card {
  id: number;
  position: number;
  col: Col;
}
const setCol = (c: Card, col: Col): Card => ({ ...c, col });
const card = (id: number, col: Col, position: number): Card => ({ id, col, position });
const ids = (b: Board<Col, Card>) => ({ a: b.a.map((c) => c.id), b: b.b.map((c) => c.id) });

describe('groupBoard', () => {
  it('groups by column and orders by position then id', () => {
    const b = groupBoard(
      ['a', 'b'] as const,
      [card(3, 'a', 1), card(1, 'b', 0), card(2, 'a', 0), card(4, 'a', 1)],
      (c) => c.col,
    );
    expect(ids(b)).toEqual({ a: [2, 3, 4], b: [1] });
  });
});

describe('moveCard', () => {
  const board: Board<Col, Card> = { a: [card(1, 'a', 0), card(2, 'a', 1), card(3, 'a', 2)], b: [card(4, 'b', 0)] };

  it('moves across columns at an index, renumbering both columns, without touching the input', () => {
    const next = moveCard(board, 2, 'b', 0, setCol);
    expect(ids(next)).toEqual({ a: [1, 3], b: [2, 4] });
    expect(next.b[0]).toEqual({ id: 2, col: 'b', position: 0 });
    expect(next.a.map((c) => c.position)).toEqual([0, 1]);
    expect(next.b.map((c) => c.position)).toEqual([0, 1]);
    expect(ids(board)).toEqual({ a: [1, 2, 3], b: [4] });
  });

  it('reorders inside a column with arrayMove semantics', () => {
    expect(ids(moveCard(board, 1, 'a', 2, setCol)).a).toEqual([2, 3, 1]);
    expect(ids(moveCard(board, 3, 'a', 0, setCol)).a).toEqual([3, 1, 2]);
  });

  it('clamps the index to the end of the column and ignores unknown cards', () => {
    expect(ids(moveCard(board, 1, 'b', 99, setCol)).b).toEqual([4, 1]);
    expect(moveCard(board, 42, 'b', 0, setCol)).toBe(board);
  });
});

describe('diffMove', () => {
  const before: Board<Col, Card> = { a: [card(1, 'a', 0), card(2, 'a', 1)], b: [] };
  it('describes where a card went, or null when it did not move', () => {
    expect(diffMove(before, moveCard(before, 1, 'b', 0, setCol), 1)).toEqual({
      id: 1,
      from: 'a',
      to: 'b',
      fromIndex: 0,
      toIndex: 0,
    });
    expect(diffMove(before, moveCard(before, 1, 'a', 1, setCol), 1)).toEqual({
      id: 1,
      from: 'a',
      to: 'a',
      fromIndex: 0,
      toIndex: 1,
      apres: 2,
    });
    expect(diffMove(before, before, 1)).toBeNull();
    expect(findCard(before, 2)).toEqual({ column: 'a', index: 1 });
  });
});

describe('placement against the shown neighbour', () => {
  // Sparse server keys: the board shows only some cards of a column (filters, a commercial's scope).
  const shown: Board<Col, Card> = {
    a: [card(1, 'a', 1024), card(2, 'a', 5120), card(3, 'a', 9216)],
    b: [card(4, 'b', 2048)],
  };
  it('is just before the next shown card, else just after the previous one, else none (end of column)', () => {
    const up = diffMove(shown, moveCard(shown, 3, 'a', 0, setCol), 3)!;
    expect(placementOf(up)).toEqual({ avant: 1 });
    const across = diffMove(shown, moveCard(shown, 2, 'b', 1, setCol), 2)!;
    expect(placementOf(across)).toEqual({ apres: 4 });
    const intoEmpty = diffMove({ a: shown.a, b: [] }, moveCard({ a: shown.a, b: [] }, 2, 'b', 0, setCol), 2)!;
    expect(placementOf(intoEmpty)).toEqual({});
  });
});

describe('applyMoveToColumn (optimistic cache update of one column query)', () => {
  const move = { id: 2, from: 'a' as Col, to: 'b' as Col, fromIndex: 1, toIndex: 1 };
  const moved = card(2, 'a', 1);
  it('removes the card from the source column page', () => {
    expect(applyMoveToColumn('a', [card(1, 'a', 0), moved, card(3, 'a', 2)], move, moved, setCol)).toEqual([
      card(1, 'a', 0),
      card(3, 'a', 1),
    ]);
  });
  it('inserts it, with its new column, in the target page', () => {
    expect(applyMoveToColumn('b', [card(4, 'b', 0), card(5, 'b', 1)], move, moved, setCol)).toEqual([
      card(4, 'b', 0),
      card(2, 'b', 1),
      card(5, 'b', 2),
    ]);
  });
});

describe('paged columns', () => {
  const move = { id: 2, from: 'a' as Col, to: 'b' as Col, fromIndex: 1, toIndex: 3, apres: 6 };
  const moved = card(2, 'a', 1);
  it('applyMoveToPages moves a card beyond the first page and keeps the page cuts', () => {
    const source = applyMoveToPages('a', [[card(1, 'a', 0), moved], [card(3, 'a', 2)]], move, moved, setCol);
    expect(source.map((p) => p.map((c) => c.id))).toEqual([[1, 3], []]);
    const target = applyMoveToPages(
      'b',
      [
        [card(4, 'b', 0), card(5, 'b', 1)],
        [card(6, 'b', 2), card(7, 'b', 3)],
      ],
      move,
      moved,
      setCol,
    );
    expect(target.map((p) => p.map((c) => c.id))).toEqual([
      [4, 5],
      [6, 2, 7],
    ]);
    expect(target[1][1].col).toBe('b');
  });
  it('joinPages keeps the order and each card once', () => {
    expect(
      joinPages([[card(1, 'a', 0), card(2, 'a', 1)], undefined, [card(2, 'a', 1), card(3, 'a', 2)]]).map((c) => c.id),
    ).toEqual([1, 2, 3]);
  });
});
