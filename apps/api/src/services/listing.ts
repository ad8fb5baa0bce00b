import type { EntityManager } from '@crm/db';
import type { Page } from '@crm/shared';
import { notFound } from '../lib/errors.js';
import { countRows } from '../lib/countCache.js';
import { sql, sqlOne, streamRows } from '../lib/sql/runner.js';
import { orderBy, searchPattern, type Where } from '../lib/sql/where.js';

export type Row = Record<string, any>;

/** Display name of a user joined as `alias`: "First Last", else the username. */
export const userName = (alias: string) =>
  `coalesce(nullif(btrim(${alias}.first_name || ' ' || ${alias}.last_name), ''), ${alias}.username)`;

/**
 * Accent/case-insensitive `?search=` on `folded`, an already folded text (a table's `recherche`
 * column, or `crm_fold(…)` of a small table's fields); `%` and `_` are literal. Its plain form is
 * what a list uses when the term matches many rows (see runList).
 */
export function addSearch(where: Where, search: string | undefined, folded: string): Where {
  if (!search) return where;
  // The plain form is a substring test PostgreSQL estimates as matching many rows, so it walks the
  // ordering's index (LIMIT stops it early) instead of scanning and sorting everything.
  where.addWithPlainForm(`${folded} like crm_fold(?)`, [searchPattern(search)], `strpos(${folded}, crm_fold(?)) > 0`, [search]);
  // Fewer than 3 characters make no trigram: no index can find the matches.
  if ([...search].length < 3) where.scans = true;
  return where;
}

/**
 * A search matching at most this many rows is read through the trigram index (all matches, then
 * sorted); above it, the page walks the ordering's index testing each row: at most
 * pageSize × rows / matches rows for the first pages.
 */
export const SEARCH_COLLECT_MAX = 2000;

export interface ListSpec<T> {
  /** `from … join …` (to-one joins only, so that count(*) counts the main rows). */
  from: string;
  /**
   * The count's `from` when `where` only names the main table (alias `alias`): the joins, needed
   * for the page's columns only, are then left out of the count.
   */
  countFrom?: string;
  /** Alias of the main table (for the search's collected ids). */
  alias: string;
  /** The list's table (its big counts are cached until a write to a listed table: see CountCache). */
  table: string;
  /** The select list, without `select`. */
  columns: string;
  where: Where;
  /** Full `order by …` clause. */
  order: string;
  page: number;
  pageSize: number;
  map: (row: Row) => T;
  /**
   * Sub-lists: a query that returns a row when the parent exists and the caller may see it.
   * It is folded into the count statement, so a sub-list costs no extra round trip; 404 otherwise.
   */
  parent?: { sql: string; params: unknown[] };
}

/**
 * One paginated list in two SQL statements whatever the page size: the count (with the parent
 * check of sub-lists; a big count from the count cache) and the page, with every embedded summary
 * joined (no N+1). The count is known before the page is read, so a search picks its plan from
 * it: few matches are collected through the trigram index, many are found walking the order.
 */
export async function runList<T>(em: EntityManager, spec: ListSpec<T>): Promise<Page<T>> {
  const offset = (spec.page - 1) * spec.pageSize;
  const countFrom = spec.countFrom ?? spec.from;
  let count: number;
  if (spec.parent) {
    const [row] = await sql<{ n: number; parent_ok: boolean }>(
      em,
      `select count(*)::int as n, exists(${spec.parent.sql}) as parent_ok ${countFrom} ${spec.where}`,
      [...spec.parent.params, ...spec.where.params],
    );
    if (!row.parent_ok) throw notFound();
    count = row.n;
  } else {
    const text = `select count(*)::int as n ${countFrom} ${spec.where}`;
    count = await countRows(em, `${text}|${JSON.stringify(spec.where.params)}`, async () =>
      (await sql<{ n: number }>(em, text, spec.where.params))[0].n, spec.where.scans);
  }
  if (count <= offset) return { count, page: spec.page, pageSize: spec.pageSize, results: [] };
  const page = [spec.pageSize, offset];
  let rows: Row[];
  if (!spec.where.hasPlainForms) {
    rows = await sql(em, `select ${spec.columns} ${spec.from} ${spec.where} ${spec.order} limit ? offset ?`, [...spec.where.params, ...page]);
  } else if (count <= SEARCH_COLLECT_MAX && !spec.where.scans) {
    rows = await sql(
      em,
      `with m as materialized (select ${spec.alias}.id ${countFrom} ${spec.where})
       select ${spec.columns} ${spec.from} where ${spec.alias}.id in (select id from m) ${spec.order} limit ? offset ?`,
      [...spec.where.params, ...page],
    );
  } else {
    const plain = spec.where.unindexed();
    rows = await sql(em, `select ${spec.columns} ${spec.from} ${plain.text} ${spec.order} limit ? offset ?`, [...plain.params, ...page]);
  }
  return { count, page: spec.page, pageSize: spec.pageSize, results: rows.map(spec.map) };
}

/** Whole days from `from` to `to` (YYYY-MM-DD), or null when either is missing. */
export function daysBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** How a resource is read: its joins, columns, allowed orderings and row mapping. */
export interface Resource<T> {
  from: string;
  /** See ListSpec. */
  countFrom?: string;
  alias: string;
  table: string;
  columns: string;
  orderColumns: Record<string, string>;
  defaultOrder: string;
  map: (row: Row) => T;
}

/** A page of a resource (list or sub-list), with `?ordering=` through the resource's whitelist. */
export function listResource<T>(
  em: EntityManager,
  resource: Resource<T>,
  input: { page: number; pageSize: number; ordering?: string },
  where: Where,
  parent?: { sql: string; params: unknown[] },
): Promise<Page<T>> {
  return runList(em, {
    from: resource.from,
    countFrom: resource.countFrom,
    alias: resource.alias,
    table: resource.table,
    columns: resource.columns,
    where,
    order: orderBy(input.ordering, resource.orderColumns, resource.defaultOrder),
    page: input.page,
    pageSize: input.pageSize,
    map: resource.map,
    parent,
  });
}

/** One row of a resource (the `where` carries the id and the visibility scope), else 404. */
export async function getResource<T>(em: EntityManager, resource: Resource<T>, where: Where): Promise<T> {
  const row = await sqlOne(em, `select ${resource.columns} ${resource.from} ${where}`, where.params);
  if (!row) throw notFound();
  return resource.map(row);
}

/**
 * Every row of a list (all pages), in the order of its pages, as batches of mapped rows: the same
 * joins, filters, search, ordering and mapping as `listResource`, through a server-side cursor.
 */
export async function* streamResource<T>(em: EntityManager, resource: Resource<T>, ordering: string | undefined, where: Where): AsyncGenerator<T[]> {
  const order = orderBy(ordering, resource.orderColumns, resource.defaultOrder);
  for await (const rows of streamRows(em, `select ${resource.columns} ${resource.from} ${where} ${order}`, where.params)) {
    yield rows.map(resource.map);
  }
}
