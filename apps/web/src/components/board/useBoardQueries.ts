import { useMemo } from 'react';
import { useQueries, type UseQueryOptions } from '@tanstack/react-query';
import type { Page } from '@crm/shared';
import type { Board, BoardCard } from './boardLogic';

/** One list query per column (ordered by position); the board changes only when a column's data does. */
export function useBoardQueries<K extends string, T extends BoardCard>(columns: readonly K[], optionsOf: (column: K) => UseQueryOptions<Page<T>, any, Page<T>, any>) {
  const queries = useQueries({ queries: columns.map((c) => optionsOf(c)) });
  const pages = queries.map((q) => q.data);
  const board = useMemo(
    () => Object.fromEntries(columns.map((c, i) => [c, pages[i]?.results ?? []])) as Board<K, T>,
    // biome-ignore lint/correctness/useExhaustiveDependencies: the column pages are the dependencies (one per column), not the array holding them
    pages,
  );
  return { board, loaded: queries.every((q) => q.data), error: queries.find((q) => q.error)?.error };
}
