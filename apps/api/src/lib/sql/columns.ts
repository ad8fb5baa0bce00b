/**
 * Typed column maps: for each field of an output type, the SQL expression that produces it and,
 * when the driver's value is not already the field's value, how to convert it. One map drives both
 * the select list (each expression aliased to its field's name) and the row mapping, so a field is
 * added in one place and the compiler checks that every field of the output has its column.
 */

/** A field's value as computed from the row's other fields (no SQL of its own), e.g. a lateness flag. */
export interface Derived<T, V> {
  derive: (out: T) => V;
}

/**
 * A field's column: its SQL expression, or the expression with a converter of the driver's value,
 * or a value derived from the other fields (computed after them, in the map's order).
 */
export type Column<V, T = unknown> = string | { sql: string; read: (value: any) => V } | Derived<T, V>;

export type ColumnMap<T> = { readonly [K in keyof T]-?: Column<T[K], T> };

export interface Columns<T> {
  /** `expression as "field", …` (without `select`). */
  readonly select: string;
  /** The fields of T from a row read with `select` (other columns of the row are left out). */
  readonly map: (row: Record<string, any>) => T;
}

const isDerived = <T>(c: Column<unknown, T>): c is Derived<T, unknown> => typeof c === 'object' && 'derive' in c;

export function columns<T>(map: ColumnMap<T>): Columns<T> {
  const entries = Object.entries(map) as [string, Column<unknown, T>][];
  for (const [field] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) throw new Error(`columns(): ${field} is not a plain field name`);
  }
  const fields = entries.map(([field]) => field);
  const select = entries
    .flatMap(([field, c]) => (isDerived(c) ? [] : [`${typeof c === 'string' ? c : c.sql} as "${field}"`]))
    .join(', ');
  const readers = entries.filter(
    (e): e is [string, { sql: string; read: (v: any) => unknown }] => typeof e[1] === 'object' && 'read' in e[1],
  );
  const derived = entries.filter((e): e is [string, Derived<T, unknown>] => isDerived(e[1]));
  return {
    select,
    map(row) {
      // Every field in the map's order (a derived one holds its place until it is computed).
      const out: Record<string, unknown> = {};
      for (const f of fields) out[f] = row[f];
      for (const [f, c] of readers) out[f] = c.read(row[f]);
      for (const [f, c] of derived) out[f] = c.derive(out as T);
      return out as T;
    },
  };
}
