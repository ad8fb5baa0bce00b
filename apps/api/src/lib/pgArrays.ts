/**
 * PostgreSQL array literals for set-based statements: one bound parameter whatever the number of
 * values (`unnest(?::text[], ?::int[])`), elements in order, duplicates kept, `null` as NULL.
 */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
}

export const intArrayLiteral = (values: readonly (number | null)[]): string =>
  `{${values.map((v) => (v === null ? 'NULL' : String(Math.trunc(v)))).join(',')}}`;

export const boolArrayLiteral = (values: readonly boolean[]): string =>
  `{${values.map((v) => (v ? 't' : 'f')).join(',')}}`;

/** JSON values as a `jsonb[]` literal (cast `?::jsonb[]`). */
export const jsonArrayLiteral = (values: readonly unknown[]): string =>
  textArrayLiteral(values.map((v) => JSON.stringify(v)));
