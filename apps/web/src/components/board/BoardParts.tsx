import {
  useEffect,
  useRef,
  type KeyboardEventHandler,
  type MouseEventHandler,
  type ReactNode,
  type TouchEventHandler,
} from 'react';
import { useDroppable } from '@dnd-kit/core';
import { SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { formatNumber } from '../../lib/format';
import type { BoardCard } from './boardLogic';
import type { ColumnPaging } from './useBoardColumns';

export const COLUMN_PREFIX = 'col:';
export const columnId = (k: string) => `${COLUMN_PREFIX}${k}`;

export interface ColumnHeader {
  /** The column's true number of cards (the API's column totals), not the loaded ones. */
  count?: number;
  /** Totals under the title (amounts, overdue…). */
  summary?: ReactNode;
  /** Column controls (e.g. « Voir tout » of a closed column). */
  tools?: ReactNode;
}

/**
 * A board column: its header (title, true count, totals) stays on top while its cards scroll on
 * their own; the next page loads when the end of the loaded cards comes near (or on the button,
 * for the keyboard).
 */
export function BoardColumn({
  id,
  title,
  cards,
  header,
  paging,
  children,
}: {
  id: string;
  title: string;
  cards: BoardCard[];
  header?: ColumnHeader;
  paging?: ColumnPaging;
  children: ReactNode;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: columnId(id) });
  const list = useRef<HTMLUListElement | null>(null);
  const more = useRef<HTMLLIElement | null>(null);
  const hasMore = !!paging?.hasMore;
  const loadingMore = !!paging?.loadingMore;
  const loadMore = paging?.loadMore;
  const loadRef = useRef(loadMore);
  loadRef.current = loadMore;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page of cards must re-arm the observer (it reports at once whether the end is still in sight)
  useEffect(() => {
    if (!hasMore || loadingMore || !more.current || typeof IntersectionObserver === 'undefined') return;
    // A new observer after each page: it reports at once whether the end is still in sight.
    const observer = new IntersectionObserver(
      (entries) => entries.some((e) => e.isIntersecting) && loadRef.current?.(),
      {
        root: list.current,
        rootMargin: '0px 0px 400px 0px',
      },
    );
    observer.observe(more.current);
    return () => observer.disconnect();
  }, [hasMore, loadingMore, cards.length]);
  // With a header, the count is the API's (« … » until it comes), never the number of loaded cards.
  const count = header ? header.count : cards.length;
  return (
    <section className={`board-column${isOver ? ' board-column--over' : ''}`} aria-label={title} data-column={id}>
      <header className="board-column-header">
        <div className="board-column-title">
          <h2>{title}</h2>
          {count === undefined ? (
            <span className="count" role="img" aria-label="Nombre de cartes en cours de calcul">
              …
            </span>
          ) : (
            <span className="count" role="img" aria-label={`${formatNumber(count)} carte${count > 1 ? 's' : ''}`}>
              {formatNumber(count)}
            </span>
          )}
        </div>
        {header?.summary}
        {header?.tools}
      </header>
      <SortableContext id={columnId(id)} items={cards.map((c) => c.id)} strategy={verticalListSortingStrategy}>
        <ul
          ref={(el) => {
            list.current = el;
            setNodeRef(el);
          }}
          className="board-cards"
        >
          {children}
          {cards.length === 0 && !hasMore && <li className="board-empty">Déposez une carte ici</li>}
          {hasMore && (
            <li ref={more} className="board-more">
              <button type="button" className="btn btn--ghost btn--small" disabled={loadingMore} onClick={loadMore}>
                {loadingMore
                  ? 'Chargement…'
                  : count === undefined
                    ? 'Afficher plus de cartes'
                    : `Afficher plus de cartes (encore ${formatNumber(Math.max(0, count - cards.length))})`}
              </button>
            </li>
          )}
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

/** A card's checkbox for the board's bulk actions. */
export interface CardSelect {
  checked: boolean;
  onChange: (on: boolean) => void;
}

export function SortableCard({
  id,
  title,
  select,
  children,
}: {
  id: number;
  title: string;
  select?: CardSelect;
  children: ReactNode;
}) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({
    id,
  });
  const handle = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    if (focusOnMount?.id === id && focusOnMount.until > Date.now()) handle.current?.focus();
  }, [id]);
  // The whole card follows the mouse; the keyboard drags from the handle, a real button, so that
  // links and buttons inside the card stay ordinary controls.
  return (
    <li
      ref={setNodeRef}
      className={`board-card${isDragging ? ' board-card--dragging' : ''}${select ? ' board-card--selectable' : ''}`}
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
      {select && (
        <input
          type="checkbox"
          className="card-select"
          checked={select.checked}
          onChange={(e) => select.onChange(e.target.checked)}
          aria-label={`Sélectionner « ${title} »`}
        />
      )}
      {children}
    </li>
  );
}
