import type { EntityManager } from '@crm/db';
import type { Page } from '@crm/shared';
import { notFound } from '../lib/errors.js';
import { orderBy, searchPattern, sql, sqlOne, streamRows, type Where } from '../lib/db.js';

export type Row = Record<string, any>;

/** Display name of a user joined as `alias`: "First Last", else the username. */
export const userName = (alias: string) =>
  `coalesce(nullif(btrim(${alias}.first_name || ' ' || ${alias}.last_name), ''), ${alias}.username)`;

/** Accent/case-insensitive `?search=` on the given SQL text expression (matches the trigram indexes). */
export function addSearch(where: Where, search: string | undefined, textExpr: string): Where {
  if (search) where.add(`crm_fold(${textExpr}) like crm_fold(?)`, searchPattern(search));
  return where;
}

export interface ListSpec<T> {
  /** `from … join …` (to-one joins only, so that count(*) counts the main rows). */
  from: string;
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
 * check of sub-lists) and the page, with every embedded summary joined (no N+1).
 */
export async function runList<T>(em: EntityManager, spec: ListSpec<T>): Promise<Page<T>> {
  const offset = (spec.page - 1) * spec.pageSize;
  const parentColumn = spec.parent ? `, exists(${spec.parent.sql}) as parent_ok` : '';
  const [countRow] = await sql<{ n: number; parent_ok?: boolean }>(
    em,
    `select count(*)::int as n${parentColumn} ${spec.from} ${spec.where}`,
    [...(spec.parent?.params ?? []), ...spec.where.params],
  );
  if (spec.parent && !countRow.parent_ok) throw notFound();
  const rows = countRow.n > offset
    ? await sql(em, `select ${spec.columns} ${spec.from} ${spec.where} ${spec.order} limit ? offset ?`, [
        ...spec.where.params, spec.pageSize, offset,
      ])
    : [];
  return { count: countRow.n, page: spec.page, pageSize: spec.pageSize, results: rows.map(spec.map) };
}

/** Whole days from `from` to `to` (YYYY-MM-DD), or null when either is missing. */
export function daysBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** How a resource is read: its joins, columns, allowed orderings and row mapping. */
export interface Resource<T> {
  from: string;
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
