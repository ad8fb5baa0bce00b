import { useEffect, useMemo, useState, type KeyboardEventHandler, type PointerEventHandler, type ReactNode } from 'react';
import {
  closestCorners,
  DndContext,
  DragOverlay,
  KeyboardSensor,
  PointerSensor,
  useDroppable,
  useSensor,
  useSensors,
  type Announcements,
  type DragEndEvent,
  type DragOverEvent,
  type DragStartEvent,
  type UniqueIdentifier,
} from '@dnd-kit/core';
import { SortableContext, sortableKeyboardCoordinates, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { diffMove, findCard, moveCard, type Board, type BoardCard, type Move } from './boardLogic';

const COLUMN_PREFIX = 'col:';
const columnId = (k: string) => `${COLUMN_PREFIX}${k}`;
const isColumnId = (id: UniqueIdentifier): id is string => typeof id === 'string' && id.startsWith(COLUMN_PREFIX);

interface Props<K extends string, T extends BoardCard> {
  label: string;
  columns: readonly K[];
  columnLabel: (k: K) => string;
  columnFooter?: (k: K, cards: T[]) => ReactNode;
  board: Board<K, T>;
  setColumn: (card: T, column: K) => T;
  cardTitle: (card: T) => string;
  renderCard: (card: T) => ReactNode;
  /**
   * Called once per drop that changed a card's place. Return false to put the card back
   * (e.g. a dialog must confirm first); otherwise the board keeps it until `board` changes.
   */
  onMove: (move: Move<K>) => boolean | void;
}

/** Kanban board with mouse, touch and keyboard drag (Espace pour saisir, flèches, Espace pour déposer). */
export function SortableBoard<K extends string, T extends BoardCard>(props: Props<K, T>) {
  const { columns, board, setColumn, columnLabel } = props;
  const [local, setLocal] = useState<Board<K, T> | null>(null);
  const [activeId, setActiveId] = useState<number | null>(null);
  const view = local ?? board;

  // A new server/cache state replaces the local one, except in the middle of a drag.
  useEffect(() => {
    if (activeId === null) setLocal(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [board]);

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const columnOfTarget = (b: Board<K, T>, id: UniqueIdentifier): K | undefined =>
    isColumnId(id) ? (id.slice(COLUMN_PREFIX.length) as K) : findCard(b, Number(id))?.column;

  const onDragStart = ({ active }: DragStartEvent) => {
    setActiveId(Number(active.id));
    setLocal(board);
  };

  const onDragOver = ({ active, over }: DragOverEvent) => {
    if (!over) return;
    setLocal((current) => {
      const b = current ?? board;
      const from = findCard(b, Number(active.id));
      const to = columnOfTarget(b, over.id);
      if (!from || !to || from.column === to) return b;
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
      if (at && target && at.column === target.column && at.index !== target.index) final = moveCard(final, id, at.column, target.index, setColumn);
    }
    const move = diffMove(board, final, id);
    if (!move) return setLocal(null);
    setLocal(final);
    if (props.onMove(move) === false) setLocal(null);
  };

  const activeCard = activeId === null ? null : (Object.values(view) as T[][]).flat().find((c) => c.id === activeId);
  const announcements = useMemo(() => frenchAnnouncements(view, columnLabel, props.cardTitle), [view, columnLabel, props.cardTitle]);

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={closestCorners}
      onDragStart={onDragStart}
      onDragOver={onDragOver}
      onDragEnd={finish}
      onDragCancel={() => finish(null)}
      accessibility={{ announcements, screenReaderInstructions: { draggable: INSTRUCTIONS } }}
    >
      <div className="board" role="region" aria-label={props.label}>
        {columns.map((k) => (
          <BoardColumn key={k} id={k} title={columnLabel(k)} cards={view[k]} footer={props.columnFooter?.(k, view[k])}>
            {view[k].map((card) => (
              <SortableCard key={card.id} id={card.id} title={props.cardTitle(card)}>
                {props.renderCard(card)}
              </SortableCard>
            ))}
          </BoardColumn>
        ))}
      </div>
      <DragOverlay>{activeCard ? <div className="board-card board-card--overlay">{props.renderCard(activeCard)}</div> : null}</DragOverlay>
    </DndContext>
  );
}

const INSTRUCTIONS =
  'Pour déplacer une carte, appuyez sur Espace ou Entrée, utilisez les flèches pour la déplacer dans la colonne ou vers une autre colonne, puis Espace ou Entrée pour la déposer, ou Échap pour annuler.';

function frenchAnnouncements<K extends string, T extends BoardCard>(board: Board<K, T>, columnLabel: (k: K) => string, title: (c: T) => string): Announcements {
  const describe = (id: UniqueIdentifier) => {
    const at = findCard(board, Number(id));
    if (!at) return '';
    const card = board[at.column][at.index];
    return `${title(card)}, colonne ${columnLabel(at.column)}, position ${at.index + 1} sur ${board[at.column].length}`;
  };
  return {
    onDragStart: ({ active }) => `Carte saisie : ${describe(active.id)}.`,
    onDragOver: ({ active }) => `Carte déplacée : ${describe(active.id)}.`,
    onDragEnd: ({ active }) => `Carte déposée : ${describe(active.id)}.`,
    onDragCancel: () => 'Déplacement annulé.',
  };
}

function BoardColumn({ id, title, cards, footer, children }: { id: string; title: string; cards: BoardCard[]; footer?: ReactNode; children: ReactNode }) {
  const { setNodeRef, isOver } = useDroppable({ id: columnId(id) });
  return (
    <section className={`board-column${isOver ? ' board-column--over' : ''}`} aria-label={title} data-column={id}>
      <header className="board-column-header">
        <h2>{title}</h2>
        <span className="count" aria-label={`${cards.length} carte${cards.length > 1 ? 's' : ''}`}>
          {cards.length}
        </span>
      </header>
      {footer}
      <SortableContext id={columnId(id)} items={cards.map((c) => c.id)} strategy={verticalListSortingStrategy}>
        <ul ref={setNodeRef} className="board-cards">
          {children}
          {cards.length === 0 && <li className="board-empty">Déposez une carte ici</li>}
        </ul>
      </SortableContext>
    </section>
  );
}

function SortableCard({ id, title, children }: { id: number; title: string; children: ReactNode }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id });
  // The whole card follows the mouse; the keyboard drags from the handle, a real button, so that
  // links and buttons inside the card stay ordinary controls.
  return (
    <li
      ref={setNodeRef}
      className={`board-card${isDragging ? ' board-card--dragging' : ''}`}
      style={{ transform: CSS.Transform.toString(transform), transition }}
      data-card-id={id}
      onPointerDown={listeners?.onPointerDown as PointerEventHandler | undefined}
    >
      <button
        type="button"
        ref={setActivatorNodeRef}
        className="drag-handle"
        {...attributes}
        aria-roledescription="poignée de déplacement"
        aria-label={`Déplacer « ${title} »`}
        onKeyDown={listeners?.onKeyDown as KeyboardEventHandler | undefined}
      >
        <span aria-hidden="true">⠿</span>
      </button>
      {children}
    </li>
  );
}
