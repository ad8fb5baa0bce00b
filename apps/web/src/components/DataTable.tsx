import type { ReactNode } from 'react';

export interface Column<T> {
  header: string;
  render: (row: T) => ReactNode;
  /** API ordering field; makes the header a sort button. */
  sort?: string;
  className?: string;
}

/** `ordering` is the API's `field` / `-field`; clicking a header cycles ascending → descending. */
export function nextOrdering(current: string, field: string): string {
  if (current === field) return `-${field}`;
  return field;
}

/** Row selection for bulk actions: a checkbox per row and one for the page. */
export interface Selection {
  selected: ReadonlySet<number>;
  toggle: (ids: number[], on: boolean) => void;
}

export function DataTable<T extends { id: number }>({
  caption,
  columns,
  rows,
  ordering = '',
  onOrdering,
  selection,
  stale,
}: {
  /** Rows of the previous search, shown while the new one loads. */
  stale?: boolean;
  caption: string;
  columns: Column<T>[];
  rows: T[];
  ordering?: string;
  onOrdering?: (o: string) => void;
  selection?: Selection;
}) {
  const pageIds = rows.map((r) => r.id);
  const allOnPage = selection !== undefined && pageIds.length > 0 && pageIds.every((id) => selection.selected.has(id));
  return (
    <div className={`table-wrap${stale ? ' table-wrap--stale' : ''}`} aria-busy={stale || undefined}>
      <table className="table">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {selection && (
              <th scope="col" className="col-select">
                <input
                  type="checkbox"
                  aria-label="Sélectionner toute la page"
                  checked={allOnPage}
                  onChange={(e) => selection.toggle(pageIds, e.target.checked)}
                />
              </th>
            )}
            {columns.map((c) => {
              const dir =
                c.sort && ordering === c.sort
                  ? 'ascending'
                  : c.sort && ordering === `-${c.sort}`
                    ? 'descending'
                    : undefined;
              return (
                <th key={c.header} scope="col" aria-sort={dir} className={c.className}>
                  {c.sort && onOrdering ? (
                    <button
                      type="button"
                      className="th-sort"
                      onClick={() => onOrdering(nextOrdering(ordering, c.sort!))}
                    >
                      {c.header}
                      <span aria-hidden="true" className="sort-icon">
                        {dir === 'ascending' ? '▲' : dir === 'descending' ? '▼' : '↕'}
                      </span>
                    </button>
                  ) : (
                    c.header
                  )}
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} className={selection?.selected.has(r.id) ? 'is-selected' : undefined}>
              {selection && (
                <td className="col-select">
                  <input
                    type="checkbox"
                    aria-label={`Sélectionner la ligne n° ${r.id}`}
                    checked={selection.selected.has(r.id)}
                    onChange={(e) => selection.toggle([r.id], e.target.checked)}
                  />
                </td>
              )}
              {columns.map((c) => (
                <td key={c.header} className={c.className} data-label={c.header}>
                  {c.render(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
