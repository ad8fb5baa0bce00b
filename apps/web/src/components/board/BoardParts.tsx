import { useEffect, useRef, type KeyboardEventHandler, type MouseEventHandler, type ReactNode, type TouchEventHandler } from 'react';
import { useDroppable } from '@dnd-kit/core';
import { SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import type { BoardCard } from './boardLogic';

export const COLUMN_PREFIX = 'col:';
export const columnId = (k: string) => `${COLUMN_PREFIX}${k}`;

export function BoardColumn({ id, title, cards, footer, children }: { id: string; title: string; cards: BoardCard[]; footer?: ReactNode; children: ReactNode }) {
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

let focusOnMount: { id: number; until: number } | null = null;

/**
 * Puts the keyboard focus on a card's drag handle: now if it is on screen, and again when the card
 * mounts in its new column (a move re-creates it there) within the next two seconds.
 */
export function focusCard(id: number): void {
  focusOnMount = { id, until: Date.now() + 2000 };
  document.querySelector<HTMLElement>(`[data-card-id="${id}"] .drag-handle`)?.focus();
}

export function SortableCard({ id, title, children }: { id: number; title: string; children: ReactNode }) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id });
  const handle = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    if (focusOnMount?.id === id && focusOnMount.until > Date.now()) handle.current?.focus();
  }, [id]);
  // The whole card follows the mouse; the keyboard drags from the handle, a real button, so that
  // links and buttons inside the card stay ordinary controls.
  return (
    <li
      ref={setNodeRef}
      className={`board-card${isDragging ? ' board-card--dragging' : ''}`}
      style={{ transform: CSS.Transform.toString(transform), transition }}
      data-card-id={id}
      onMouseDown={listeners?.onMouseDown as MouseEventHandler | undefined}
      onTouchStart={listeners?.onTouchStart as TouchEventHandler | undefined}
    >
      <button
        type="button"
        ref={(el) => {
          handle.current = el;
          setActivatorNodeRef(el);
        }}
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
