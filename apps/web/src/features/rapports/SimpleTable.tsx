import type { ReactNode } from 'react';
import { EmptyState } from '../../components/Status';

/** A titled read-only table of report rows: [header, cell, numeric?]. */
export function SimpleTable<T>({
  title,
  rows,
  columns,
}: {
  title: string;
  rows: T[];
  columns: [string, (row: T) => ReactNode, boolean?][];
}) {
  return (
    <section className="card">
      <h2>{title}</h2>
      {rows.length === 0 ? (
        <EmptyState title="Aucune donnée." />
      ) : (
        <div className="table-wrap">
          <table className="table">
            <caption className="sr-only">{title}</caption>
            <thead>
              <tr>
                {columns.map(([h, , num]) => (
                  <th key={h} scope="col" className={num ? 'num' : undefined}>
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={i}>
                  {columns.map(([h, cell, num]) => (
                    <td key={h} className={num ? 'num' : undefined}>
                      {cell(row)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
