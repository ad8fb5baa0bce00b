/** French formatting of money, numbers, dates; one Intl instance each. */
const money = new Intl.NumberFormat('fr-FR', { style: 'currency', currency: 'EUR' });
const number = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 });
const date = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const dateTime = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'medium', timeStyle: 'short' });
const month = new Intl.DateTimeFormat('fr-FR', { month: 'short', year: '2-digit', timeZone: 'UTC' });

// Intl's narrow no-break spaces are kept on purpose: an amount never wraps inside a number.
export const formatMoney = (n: number | null | undefined): string => (n == null ? '—' : money.format(n));
export const formatCents = (cents: number): string => formatMoney(cents / 100);
export const formatNumber = (n: number | null | undefined): string => (n == null ? '—' : number.format(n));

/** « 1 gagnée », « 2 gagnées », « 0 gagnée » (French: singular below 2). */
export const plural = (n: number, one: string, many: string): string =>
  `${formatNumber(n)}\u00a0${Math.abs(n) >= 2 ? many : one}`;

/** A French number in E.164 (+33…) shown in national form, « 01 23 45 67 89 »; others as given. */
export function formatPhone(e164: string): string {
  const m = /^\+33([1-9]\d{8})$/.exec(e164.replace(/\s/g, ''));
  if (!m) return e164;
  return `0${m[1]}`.replace(/(\d{2})(?=\d)/g, '$1\u00a0');
}
/** `ratio` in 0..1 (tauxConversion); a value above 1 is read as already in percent. */
export const formatPercent = (ratio: number | null | undefined): string =>
  ratio == null ? '—' : percent.format(ratio > 1 ? ratio / 100 : ratio);

/** `YYYY-MM-DD` (calendar date, no time zone shift) or an ISO timestamp. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—';
  const d = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  return Number.isNaN(d.getTime()) ? value : date.format(d);
}
/** Dates and times may wrap between their words: plain spaces. */
const plainSpaces = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : plainSpaces(dateTime.format(d));
}
/** `YYYY-MM` → "janv. 26". */
export function formatMonth(value: string): string {
  const d = new Date(`${value}-01T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? value : month.format(d);
}

/** Parses a French decimal typed by a person ("1 234,50"); '' → null, garbage → NaN. */
export function parseDecimal(input: string): number | null {
  const s = input.replace(/[\s\u202f\u00a0€]/g, '').replace(',', '.');
  if (s === '') return null;
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : Number.NaN;
}

export const todayIso = (): string => new Date().toISOString().slice(0, 10);
