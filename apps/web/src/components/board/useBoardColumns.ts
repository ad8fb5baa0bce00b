import { useCallback, useRef, useState } from 'react';
import { useQueries, type QueryKey, type UseQueryOptions } from '@tanstack/react-query';
import type { Page } from '@crm/shared';
import { joinPages, type Board, type BoardCard } from './boardLogic';

/** Cards per request: one page per column at first load, the next as the column is scrolled. */
export const BOARD_PAGE_SIZE = 50;

export interface ColumnPaging {
  /** The server has cards of this column beyond the loaded pages. */
  hasMore: boolean;
  loadingMore: boolean;
  loadMore: () => void;
}

type PageOptions<T> = UseQueryOptions<Page<T>, any, Page<T>, any>;

/**
 * The cards of a board, page by page per column: page N of a column is its own list query
 * (`page: N`, ordered by position), so moves, invalidations and refetches work on ordinary list
 * caches and a column loads its next page without reloading the others. `resetKey` names the
 * board's filters: when it changes, every column starts again from its first page.
 */
export function useBoardColumns<K extends string, T extends BoardCard>(
  columns: readonly K[],
  pageOptions: (column: K, page: number) => PageOptions<T>,
  resetKey: string,
) {
  const [loaded, setLoaded] = useState<{ key: string; pages: Partial<Record<K, number>> }>({
    key: resetKey,
    pages: {},
  });
  const pagesOf = (k: K) => (loaded.key === resetKey ? (loaded.pages[k] ?? 1) : 1);
  const plan = columns.flatMap((column) =>
    Array.from({ length: pagesOf(column) }, (_, i) => ({ column, page: i + 1 })),
  );
  const queries = useQueries({ queries: plan.map(({ column, page }) => pageOptions(column, page)) });

  // The board object changes only when a page's data does (SortableBoard resets its drag state then).
  const memo = useRef<{ data: unknown[]; board: Board<K, T> } | null>(null);
  const data = queries.map((q) => q.data);
  if (!memo.current || memo.current.data.length !== data.length || memo.current.data.some((d, i) => d !== data[i])) {
    const board = Object.fromEntries(
      columns.map((k) => [k, joinPages(plan.flatMap((p, i) => (p.column === k ? [queries[i].data?.results] : [])))]),
    ) as Board<K, T>;
    memo.current = { data, board };
  }

  /** One more page after the `shown` ones (a second call for the same page is ignored). */
  const loadMore = useCallback(
    (column: K, shown: number) =>
      setLoaded((cur) => {
        const pages: Partial<Record<K, number>> = cur.key === resetKey ? cur.pages : {};
        if ((pages[column] ?? 1) !== shown) return cur;
        return { key: resetKey, pages: { ...pages, [column]: shown + 1 } };
      }),
    [resetKey],
  );

  const paging = (column: K): ColumnPaging => {
    const mine = plan.flatMap((p, i) => (p.column === column ? [queries[i]] : []));
    const loadingMore = mine.slice(1).some((q) => q.isPending);
    const count = [...mine].reverse().find((q) => q.data)?.data?.count ?? 0;
    // While the next page loads the column still has more (its button says « Chargement… »).
    return {
      hasMore: loadingMore || mine.length * BOARD_PAGE_SIZE < count,
      loadingMore,
      loadMore: () => loadMore(column, mine.length),
    };
  };

  /** The query keys of a column's loaded pages, in order (optimistic moves, invalidation). */
  const pageKeysOf = (column: K): QueryKey[] =>
    plan.filter((p) => p.column === column).map((p) => pageOptions(p.column, p.page).queryKey);

  const firstPages = plan.flatMap((p, i) => (p.page === 1 ? [queries[i]] : []));
  return {
    board: memo.current.board,
    loaded: firstPages.every((q) => q.data),
    error: queries.find((q) => q.error)?.error,
    paging,
    pageKeysOf,
  };
}
