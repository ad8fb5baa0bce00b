/**
 * Typed column maps: for each field of an output type, the SQL expression that produces it and,
 * when the driver's value is not already the field's value, how to convert it. One map drives both
 * the select list (each expression aliased to its field's name) and the row mapping, so a field is
 * added in one place and the compiler checks that every field of the output has its column.
 */

/** A field's column: its SQL expression, or the expression with a converter of the driver's value. */
export type Column<V> = string | { sql: string; read: (value: any) => V };

export type ColumnMap<T> = { readonly [K in keyof T]-?: Column<T[K]> };

export interface Columns<T> {
  /** `expression as "field", …` (without `select`). */
  readonly select: string;
  /** The fields of T from a row read with `select` (other columns of the row are left out). */
  readonly map: (row: Record<string, any>) => T;
}

export function columns<T>(map: ColumnMap<T>): Columns<T> {
  const entries = Object.entries(map) as [string, Column<unknown>][];
  for (const [field] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`columns(): ${field} is not a plain field name`);
  }
  const select = entries.map(([field, c]) => `${typeof c === 'string' ? c : c.sql} as "${field}"`).join(', ');
  const fields = entries.map(([field]) => field);
  const readers = entries.filter(
    (e): e is [string, { sql: string; read: (v: any) => unknown }] => typeof e[1] !== 'string',
  );
  return {
    select,
    map(row) {
      const out: Record<string, unknown> = {};
      for (const f of fields) out[f] = row[f];
      for (const [f, c] of readers) out[f] = c.read(row[f]);
      return out as T;
    },
  };
}
