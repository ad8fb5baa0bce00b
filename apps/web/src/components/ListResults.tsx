import type { ReactNode } from 'react';
import { DataTable, type Column, type Selection } from './DataTable';
import { Pagination } from './Pagination';
import { EmptyState, QueryState } from './Status';

export const PAGE_SIZE = 25;

/** "3 clients" / "1 client"; undefined while loading. */
export const countLabel = (data: { count: number } | undefined, one: string, many: string): string | undefined =>
  data ? `${data.count} ${data.count > 1 ? many : one}` : undefined;

/** Table + pagination of a list page, with its loading, error and empty states; ordering and page live in the URL. */
export function ListResults<T extends { id: number }>({
  query,
  caption,
  columns,
  empty,
  ordering,
  page,
  set,
  selection,
}: {
  query: {
    isPending: boolean;
    error: unknown;
    isPlaceholderData?: boolean;
    refetch?: () => unknown;
    data?: { count: number; results: T[] };
  };
  caption: string;
  columns: Column<T>[];
  empty: string | ReactNode;
  ordering: string;
  page: number;
  set: (patch: { ordering?: string; page?: number }) => void;
  /** Bulk actions: selectable rows. */
  selection?: Selection;
}) {
  return (
    <QueryState
      query={query}
      isEmpty={query.data?.results.length === 0 && !query.isPlaceholderData}
      empty={typeof empty === 'string' ? <EmptyState title={empty} /> : empty}
    >
      {/* The previous answer stays on screen while the new search runs: marked as being updated. */}
      {query.isPlaceholderData && (
        <p className="sr-only" role="status">
          Mise à jour de la liste…
        </p>
      )}
      <DataTable
        stale={query.isPlaceholderData}
        caption={caption}
        columns={columns}
        rows={query.data?.results ?? []}
        ordering={ordering}
        onOrdering={(o) => set({ ordering: o })}
        selection={selection}
      />
      <Pagination page={page} pageSize={PAGE_SIZE} count={query.data?.count ?? 0} onPage={(p) => set({ page: p })} />
    </QueryState>
  );
}
