/** numeric(14,2) comes back as a string: exact to the cent, returned as a JSON number. */
export const money = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
export const moneyOrNull = (v: string | number | null | undefined): number | null =>
  v === null || v === undefined ? null : Number(v);
/** Integer cents → numeric literal string (exact). */
export const centsToDecimal = (cents: number): string => {
  const sign = cents < 0 ? '-' : '';
  const a = Math.abs(Math.round(cents));
  return `${sign}${Math.trunc(a / 100)}.${String(a % 100).padStart(2, '0')}`;
};
export const toCents = (n: number): number => Math.round(n * 100);
export const decimal = (n: number): string => centsToDecimal(toCents(n));

/** A PostgreSQL `text[]` literal of distinct codes (scopes, event names: no commas or quotes), for `?::text[]`. */
export const textArray = (values: readonly string[]): string => `{${[...new Set(values)].join(',')}}`;
export const iso = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : (d instanceof Date ? d : new Date(d)).toISOString();
/**
 * A timestamptz formatted by PostgreSQL exactly like `Date.prototype.toISOString()` of the Date pg
 * would parse (UTC, milliseconds truncated, `Z`; null stays null): list pages skip pg's Date parse
 * and a format per value (3 to 5 per row of every list; test/sql-columns.test.ts checks the equality).
 */
export const ISO_UTC = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** `date` columns: pg returns 'YYYY-MM-DD' strings (type parser set in server start). */
export const day = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);

const DAY_MS = 86_400_000;
let todayIs = { from: 0, to: 0, value: '' };
/**
 * Today's date in UTC as YYYY-MM-DD (the contract's dates are calendar dates). Kept for the UTC day
 * it names (lists derive `enRetard` with it on every row), recomputed once the clock leaves it.
 */
export const today = (): string => {
  const now = Date.now();
  if (now < todayIs.from || now >= todayIs.to) {
    const from = Math.floor(now / DAY_MS) * DAY_MS;
    todayIs = { from, to: from + DAY_MS, value: new Date(from).toISOString().slice(0, 10) };
  }
  return todayIs.value;
};
