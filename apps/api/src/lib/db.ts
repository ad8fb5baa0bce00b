import type { EntityManager } from '@crm/db';

/**
 * Raw SQL through MikroORM's connection, inside the EntityManager's transaction when there is one.
 * Reads use hand-written SQL (one statement per list page, joins instead of N+1); writes go
 * through entities and the unit of work. Placeholders are `?`.
 */
export async function sql<T = Record<string, any>>(em: EntityManager, text: string, params: unknown[] = []): Promise<T[]> {
  return em.getConnection().execute<T[]>(text, params as any[], 'all', em.getTransactionContext());
}

export async function sqlOne<T = Record<string, any>>(em: EntityManager, text: string, params: unknown[] = []): Promise<T | undefined> {
  const rows = await sql<T>(em, text, params);
  return rows[0];
}

/** numeric(14,2) comes back as a string: exact to the cent, returned as a JSON number. */
export const money = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
export const moneyOrNull = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));
/** Integer cents → numeric literal string (exact). */
export const centsToDecimal = (cents: number): string => {
  const sign = cents < 0 ? '-' : '';
  const a = Math.abs(Math.round(cents));
  return `${sign}${Math.trunc(a / 100)}.${String(a % 100).padStart(2, '0')}`;
};
export const toCents = (n: number): number => Math.round(n * 100);
export const decimal = (n: number): string => centsToDecimal(toCents(n));

export const iso = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : (d instanceof Date ? d : new Date(d)).toISOString();
/** `date` columns: pg returns 'YYYY-MM-DD' strings (type parser set in server start). */
export const day = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10);

/** Today's date in UTC as YYYY-MM-DD (the contract's dates are calendar dates). */
export const today = (): string => new Date().toISOString().slice(0, 10);

/** Builds `where` clauses with `?` params. */
export class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  add(clause: string, ...params: unknown[]): this {
    this.parts.push(clause);
    this.params.push(...params);
    return this;
  }
  toString(): string {
    return this.parts.length ? `where ${this.parts.join(' and ')}` : '';
  }
}

/** `?ordering=-field` → SQL order by, through a whitelist of columns; always ends on id for stable pages. */
export function orderBy(ordering: string | undefined, columns: Record<string, string>, fallback: string): string {
  if (!ordering) return `order by ${fallback}`;
  const desc = ordering.startsWith('-');
  const col = columns[desc ? ordering.slice(1) : ordering];
  if (!col) return `order by ${fallback}`;
  return `order by ${col} ${desc ? 'desc' : 'asc'}, id ${desc ? 'desc' : 'asc'}`;
}

/** Escapes LIKE wildcards and folds accents/case like crm_fold() in SQL. */
export function searchPattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
