import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  closestCorners,
  DndContext,
  DragOverlay,
  KeyboardSensor,
  MouseSensor,
  TouchSensor,
  useSensor,
  useSensors,
  type CollisionDetection,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
  type UniqueIdentifier,
} from '@dnd-kit/core';
import { sortableKeyboardCoordinates } from '@dnd-kit/sortable';
import { diffMove, findCard, moveCard, type Board, type BoardCard, type Move } from './boardLogic';
import { frenchAnnouncements, INSTRUCTIONS } from './announcements';
import { BoardColumn, COLUMN_PREFIX, SortableCard, type ColumnHeader } from './BoardParts';
import type { ColumnPaging } from './useBoardColumns';
import type { Selection } from '../../components/DataTable';

const isColumnId = (id: UniqueIdentifier): id is string => typeof id === 'string' && id.startsWith(COLUMN_PREFIX);

interface Props<K extends string, T extends BoardCard> {
  label: string;
  columns: readonly K[];
  columnLabel: (k: K) => string;
  /** The column's true count and totals (from the API, whatever is loaded), and its controls. */
  columnHeader?: (k: K) => ColumnHeader;
  /** Bulk actions: a checkbox on each card. */
  selection?: Selection;
  /** Paged columns: whether more cards can be loaded, and how. */
  paging?: (k: K) => ColumnPaging;
  board: Board<K, T>;
  setColumn: (card: T, column: K) => T;
  cardTitle: (card: T) => string;
  renderCard: (card: T) => ReactNode;
  /**
   * Called once per drop that changed a card's place. Return false to put the card back
   * (e.g. a dialog must confirm first); otherwise the board keeps it until `board` changes.
   */
  onMove: (move: Move<K>) => unknown;
}

/** Kanban board with mouse, touch and keyboard drag (Espace pour saisir, flèches, Espace pour déposer). */
export function SortableBoard<K extends string, T extends BoardCard>(props: Props<K, T>) {
  const { columns, board, setColumn, columnLabel } = props;
  const [local, setLocal] = useState<Board<K, T> | null>(null);
  const [activeId, setActiveId] = useState<number | null>(null);
  const view = local ?? board;

  // A new server/cache state replaces the local one, except in the middle of a drag.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the board data changes, not when a drag starts or ends
  useEffect(() => {
    if (activeId === null) setLocal(null);
  }, [board]);

  const sensors = useSensors(
    useSensor(MouseSensor, { activationConstraint: { distance: 5 } }),
    // On a phone a card drags after a short press; a swipe still scrolls the page and the board.
    useSensor(TouchSensor, { activationConstraint: { delay: 250, tolerance: 8 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const columnOfTarget = (b: Board<K, T>, id: UniqueIdentifier): K | undefined =>
    isColumnId(id) ? (id.slice(COLUMN_PREFIX.length) as K) : findCard(b, Number(id))?.column;

  const onDragStart = ({ active }: DragStartEvent) => {
    setActiveId(Number(active.id));
    setLocal(board);
  };

  // Once a card enters another column the layout shifts, and the collisions measured on it may
  // point back to the old column, then to the new one…: an endless update loop (React error 185),
  // seen with long scrolled columns. Until the next frame the card stays over itself.
  const justChangedColumn = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the flag is cleared one frame after each change of the local columns
  useEffect(() => {
    const frame = requestAnimationFrame(() => {
      justChangedColumn.current = false;
    });
    return () => cancelAnimationFrame(frame);
  }, [local]);
  const collisionDetection: CollisionDetection = useCallback(
    (args) => (justChangedColumn.current && args.active ? [{ id: args.active.id }] : closestCorners(args)),
    [],
  );

  const onDragOver = ({ active, over }: DragOverEvent) => {
    if (!over) return;
    setLocal((current) => {
      const b = current ?? board;
      const from = findCard(b, Number(active.id));
      const to = columnOfTarget(b, over.id);
      if (!from || !to || from.column === to) return b;
      justChangedColumn.current = true;
      const overIndex = isColumnId(over.id) ? b[to].length : b[to].findIndex((c) => c.id === Number(over.id));
      const translated = active.rect.current.translated;
      const below = translated && translated.top > over.rect.top + over.rect.height / 2;
      return moveCard(b, Number(active.id), to, overIndex < 0 ? b[to].length : overIndex + (below ? 1 : 0), setColumn);
    });
  };

  const finish = (event: DragEndEvent | null) => {
    const id = activeId;
    setActiveId(null);
    if (!event || id === null || !local) return setLocal(null);
    let final = local;
    const { over } = event;
    if (over && !isColumnId(over.id)) {
      const at = findCard(final, id);
      const target = findCard(final, Number(over.id));
      if (at && target && at.column === target.column && at.index !== target.index)
        final = moveCard(final, id, at.column, target.index, setColumn);
    }
    const move = diffMove(board, final, id);
    if (!move) return setLocal(null);
    setLocal(final);
    if (props.onMove(move) === false) setLocal(null);
  };

  const activeCard = activeId === null ? null : (Object.values(view) as T[][]).flat().find((c) => c.id === activeId);
  const announcements = useMemo(
    () => frenchAnnouncements(view, columnLabel, props.cardTitle),
    [view, columnLabel, props.cardTitle],
  );

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={collisionDetection}
      onDragStart={onDragStart}
      onDragOver={onDragOver}
      onDragEnd={finish}
      onDragCancel={() => finish(null)}
      accessibility={{ announcements, screenReaderInstructions: { draggable: INSTRUCTIONS } }}
    >
      <div className="board" role="region" aria-label={props.label}>
        {columns.map((k) => (
          <BoardColumn
            key={k}
            id={k}
            title={columnLabel(k)}
            cards={view[k]}
            header={props.columnHeader?.(k)}
            paging={props.paging?.(k)}
          >
            {view[k].map((card) => (
              <SortableCard
                key={card.id}
                id={card.id}
                title={props.cardTitle(card)}
                select={
                  props.selection && {
                    checked: props.selection.selected.has(card.id),
                    onChange: (on) => props.selection?.toggle([card.id], on),
                  }
                }
              >
                {props.renderCard(card)}
              </SortableCard>
            ))}
          </BoardColumn>
        ))}
      </div>
      <DragOverlay>
        {activeCard ? <div className="board-card board-card--overlay">{props.renderCard(activeCard)}</div> : null}
      </DragOverlay>
    </DndContext>
  );
}
