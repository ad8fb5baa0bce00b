import type { EntityManager } from '@crm/db';
import type { Page } from '@crm/shared';
import { notFound } from '../lib/errors.js';
import { countRows, peekCount } from '../lib/countCache.js';
import { OrmSlot } from '../lib/ormSlot.js';
import { rareParts, trigramShares, type SearchTable } from './commonTrigrams.js';
import { crmFold } from '../lib/sql/fold.js';
import { readWithSettings, sql, sqlOne, streamRows } from '../lib/sql/runner.js';
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
export function addSearch(where: Where, search: string | undefined, folded: string, table?: SearchTable): Where {
  if (!search) return where;
  const term = crmFold(search);
  const word = selectiveWord(term);
  // Fewer than 3 characters make no trigram: no index can find the matches.
  const trigramless = [...search].length < 3;
  // The term is folded here, not by crm_fold(?) in SQL (see lib/sql/fold.ts: that call costs a planning of its body).
  // The plain form is a substring test PostgreSQL estimates as matching many rows, so it walks the
  // ordering's index (LIMIT stops it early) instead of scanning and sorting everything.
  if (word === null) {
    // On a big table, the index may be asked for the term's rare parts only (refineSearches, run by runList).
    if (table && !trigramless) where.searches.push({ part: where.parts.length, folded, term, table });
    where.addWithPlainForm(`${folded} like ?`, [searchPattern(term)], `strpos(${folded}, ?) > 0`, [term]);
  } else {
    // Only the selective word goes to the trigram index; the whole term is checked on its rows.
    where.addWithPlainForm(lookupAndCheck(folded), [searchPattern(word), term], `strpos(${folded}, ?) > 0`, [term]);
  }
  if (trigramless) where.scans = true;
  return where;
}

/** A part of the term looked up in the trigram index (`like`), the whole term checked on its rows (`strpos`). */
const lookupAndCheck = (folded: string) => `(${folded} like ? and strpos(${folded}, ?) > 0)`;

/**
 * The searches of `where` on a big table whose term has trigrams most rows share (see
 * commonTrigrams.ts): the trigram index is asked for the term's rare parts only, and the
 * whole term is checked on the rows it finds (the form of a several-word term's selective word).
 * Same rows, same plain form; never waits (a table's shares come in the background).
 */
export function refineSearches(em: EntityManager, where: Where): void {
  for (const s of where.searches.splice(0)) {
    const parts = rareParts(s.term, trigramShares(em, s.table as SearchTable));
    if (parts !== null) where.replace(s.part, lookupAndCheck(s.folded), [searchPattern(parts), s.term]);
  }
}

/**
 * The word of a several-word term that the trigram index should look up alone, or null (the whole
 * term). A trigram index answers `like '%opportunite 123457%'` by intersecting the rows of every
 * trigram of the term, and those of « opportunite » are every row of the table: 1 224 index pages
 * read (42 ms) for one match, against 4 pages (0.2 ms) for `like '%123457%'` then a check of the
 * whole term on its one row. A number of 3 digits or more (a devis or phone number, a reference, a
 * postcode) is that word; without one the whole term keeps its full set of trigrams (« opportunite
 * 12 »: the trigrams of « 12 » at a word's start narrow it to 11 000 rows where « opportunite »
 * alone would be all 200 000).
 */
export function selectiveWord(term: string): string | null {
  const words = term.split(/\s+/).filter(Boolean);
  if (words.length < 2) return null;
  const numbers = words.filter((w) => /\d/.test(w) && [...w].length >= 3);
  if (!numbers.length) return null;
  let best = numbers[0];
  for (const w of numbers) if (w.length > best.length) best = w;
  return best;
}

/**
 * A filtered list or search matching at most this many rows is read by collecting its matches
 * through the filters' own indexes (trigram, foreign key, column, visibility), then sorting them;
 * above it, the page walks the ordering's index testing each row: at most
 * pageSize × rows / matches rows for the first pages. Both stay bounded whatever the term, the
 * filter or the caller: a commercial's 14 « proposition » deals are collected, never looked for
 * along 200 000 rows of the date index.
 */
export const SEARCH_COLLECT_MAX = 2000;

const GENERIC_PLAN = { plan_cache_mode: 'force_generic_plan' };

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

/** Whether every column the order names is the main table's (its page can be chosen before any join). */
/** The `alias.column` references of the order: [whole, alias, column] each. */
const orderRefs = <T>(spec: ListSpec<T>) => [...spec.order.matchAll(/\b([a-z_]\w*)\.([a-z_]\w*)/gi)];

const ordersOnMainTable = <T>(spec: ListSpec<T>) => !orderRefs(spec).some((m) => m[1] !== spec.alias);

/** The main table's id and the columns its order names (the order names the main table only). */
function orderColumnsOf<T>(spec: ListSpec<T>): string {
  const cols = new Set(['id', ...orderRefs(spec).map((m) => m[2])]);
  return [...cols].map((c) => `${spec.alias}.${c}`).join(', ');
}

/**
 * The page among the matches of `where`, collected through the filters' own indexes (a CTE, so
 * PostgreSQL never plans it as a walk along the order), at most `max` of them, with their number
 * when `withCount`. When the order names the main table only, the matches' rows are kept, the page
 * is chosen among them, and only its rows are joined for their columns (a devis' latest e-mail is
 * looked up for 25 devis, not for 2 000 matches).
 */
function collectedPage<T>(
  spec: ListSpec<T>,
  countFrom: string,
  opts: { max?: number; withCount?: boolean } = {},
): string {
  const limit = opts.max === undefined ? '' : ` limit ${opts.max}`;
  const n = opts.withCount ? ', (select count(*)::int from m) as crm_n' : '';
  if (ordersOnMainTable(spec)) {
    // Unbounded (every match of an owner, see runList): only the id and the ordering's columns are kept.
    const kept = opts.max === undefined ? orderColumnsOf(spec) : `${spec.alias}.*`;
    return `with m as materialized (select ${kept} ${countFrom} ${spec.where}${limit})
      select ${spec.columns}${n} ${spec.from}
       where ${spec.alias}.id in (select ${spec.alias}.id from m ${spec.alias} ${spec.order} limit ? offset ?) ${spec.order}`;
  }
  return `with m as materialized (select ${spec.alias}.id ${countFrom} ${spec.where}${limit})
    select ${spec.columns}${n} ${spec.from} where ${spec.alias}.id in (select id from m) ${spec.order} limit ? offset ?`;
}

/**
 * The page among the children of one parent (`Where.narrow`), at most COLLECT_AT_ONCE + 1 of them
 * collected, with their number (`crm_n`) and the sub-list's parent check (`crm_parent`) in the same
 * statement. It always returns a row, the count's: the page's rows are left-joined to it with their
 * rank in the order (`crm_i`, from the page's ids aggregated in that order), and an empty page is
 * that row alone (`crm_i` null). For an order naming the main table only (see ordersOnMainTable).
 * Parameters: the where's, the page's (limit, offset), the parent check's.
 */
function narrowPage<T>(spec: ListSpec<T>, countFrom: string): string {
  const a = spec.alias;
  return `with m as materialized (select ${a}.* ${countFrom} ${spec.where} limit ${COLLECT_AT_ONCE + 1}),
      crm_ids as (select array_agg(${a}.id ${spec.order}) as ids from (select ${a}.* from m ${a} ${spec.order} limit ? offset ?) ${a}),
      crm_page as (select ${spec.columns}, crm_o.crm_i ${spec.from}
        join unnest((select ids from crm_ids)) with ordinality as crm_o(crm_id, crm_i) on crm_o.crm_id = ${a}.id)
    select crm_page.*, crm_head.crm_n, crm_head.crm_parent
      from (select (select count(*)::int from m) as crm_n, ${spec.parent ? `exists(${spec.parent.sql})` : 'true'} as crm_parent) crm_head
      left join crm_page on true order by crm_page.crm_i`;
}

/**
 * One paginated list in a small fixed number of SQL statements (one to three) whatever the page size, every embedded summary
 * joined (no N+1):
 * - a search (a trigram `like`) whose count is not known yet: ONE statement collects its matches
 *   through the trigram index (at most SEARCH_COLLECT_MAX + 1), counts them and reads the page
 *   among them, so a rare term costs one index scan, not one for the count and one for the page;
 *   only a term matching more than that is counted (count cache) and paged walking the order;
 * - otherwise the count (with the parent check of sub-lists; a big count from the count cache),
 *   then the page: a plain list walks its ordering's index; a filtered one with a handful of
 *   matches collects them through the filters' indexes; with more, a bounded walk along the order,
 *   and only when that comes back short (matches far along the order) a third statement collects
 *   them (up to SEARCH_COLLECT_MAX) or walks on.
 */
export async function runList<T>(em: EntityManager, spec: ListSpec<T>): Promise<Page<T>> {
  refineSearches(em, spec.where);
  const offset = (spec.page - 1) * spec.pageSize;
  const countFrom = spec.countFrom ?? spec.from;
  const page = [spec.pageSize, offset];
  // A first page reads with its limit and offset written in the statement (see literalPage) when its
  // plan cannot depend on a search term: the list has none, or the statement tests it in its plain
  // form only (`unindexed`: a substring test no index serves, estimated the same for every term:
  // the walks along an order or an owner's index). Other statements as they are.
  const literalSize = spec.page <= LITERAL_PAGES && LITERAL_PAGE_SIZES.has(spec.pageSize);
  const pageSql = <R = Row>(text: string, params: unknown[], unindexed = false): Promise<R[]> => {
    const literal = literalSize && (unindexed || !spec.where.hasPlainForms);
    const p = literal ? literalPage(text, params, spec.pageSize, offset) : { text, params };
    return listSql<R>(em, p.text, p.params);
  };
  const done = (count: number, rows: Row[]): Page<T> => ({
    count,
    page: spec.page,
    pageSize: spec.pageSize,
    results: rows.map(spec.map),
  });
  const countText = `select count(*)::int as n ${countFrom} ${spec.where}`;
  const countKey = `${countText}|${JSON.stringify(spec.where.params)}`;

  /**
   * A page whose rows each carry the count (`crm_n`), read as the count's computation: identical
   * requests at the same moment share the count, and only the one that computed it has `rows` (the
   * others read their page alone). A page past the last row says nothing of the count: counted on
   * its own then.
   */
  const pageWithCount = async (text: string, params: unknown[], always = false, unindexed = false) => {
    let rows: Row[] | undefined;
    const n = await countRows(
      em,
      countKey,
      async () => {
        rows = await pageSql(text, params, unindexed);
        return rows.length || offset === 0
          ? (rows[0]?.crm_n ?? 0)
          : (await listSql<{ n: number }>(em, countText, spec.where.params))[0].n;
      },
      always,
    );
    return { n, rows: rows as Row[] | undefined };
  };

  const searching = spec.where.hasPlainForms && !spec.where.scans;
  if (searching && !spec.parent && spec.where.keyed && peekCount(em, countKey) === undefined) {
    // One owner's matches (a commercial's search): all of them are collected through the indexes,
    // counted and paged in ONE statement. The trigram candidates must be read from the table to be
    // rechecked whatever the plan, so collecting beyond SEARCH_COLLECT_MAX costs what counting
    // them costs (a first statement stopping at SEARCH_COLLECT_MAX + 1 matches, then the count,
    // read them twice). The count is kept in the count cache (dropped at the next write): the next
    // pages walk the owner's index range in order (ownerPage) instead of collecting again.
    const { n, rows } = await pageWithCount(
      collectedPage(spec, countFrom, { withCount: true }),
      [...spec.where.params, ...page],
      true,
    );
    // (`rows` is unset when an identical request was computing the count: the page is read below.)
    if (rows) return done(n, rows);
  }
  // One owner's search whose count is known and more than a handful: their index range is walked
  // in order (below), a page within a few hundred rows where collecting read every match again
  // through two bitmaps (a commercial's 1 111 « tache 4 »: 41 000 trigram entries, their 60 000
  // tâches, 4 000 rows rechecked, for each page).
  const known = peekCount(em, countKey);
  const ownerWalk = spec.where.keyed && known !== undefined && known > COLLECT_AT_ONCE;
  if (searching && !spec.parent && !ownerWalk && (known ?? 0) <= SEARCH_COLLECT_MAX) {
    const text = collectedPage(spec, countFrom, { max: SEARCH_COLLECT_MAX + 1, withCount: true });
    const params = [...spec.where.params, ...page];
    // The search alone (no filter, no visibility: an admin's or a manager's search box): its plan is
    // the same for every term (the trigram index collects, the page is chosen among the matches),
    // so the generic plan is used instead of planning it again for each term (0.4–0.55 ms of the
    // server's CPU per request, a third of the statement's cost). With another clause beside it the
    // term's selectivity decides between indexes (a commercial's: their own rows' bitmap or not), so
    // those keep a plan per term.
    const rows =
      spec.where.parts.length === 1 && !em.getTransactionContext()
        ? await readWithSettings(em, GENERIC_PLAN, text, params)
        : await pageSql(text, params);
    // No row: no match at all on the first page; beyond it, the count is still to be read.
    if (!rows.length && offset === 0) return done(0, []);
    if (rows.length && rows[0].crm_n <= SEARCH_COLLECT_MAX) return done(rows[0].crm_n, rows);
  }

  // One owner's rows and nothing else (a commercial's plain list, in any ordering) whose count is not
  // cached: the page walks their index range (ownerPage) with the count beside it, ONE statement
  // (the count reads the same owner's index entries). Run as the count's computation, so identical
  // requests at the same moment share it (and read their page alone, below), as they share a count.
  let count: number | undefined;
  const ownerOnly = spec.where.keyed && spec.where.parts.length === 1 && !spec.parent && !searching;
  if (ownerOnly && !spec.where.scans && peekCount(em, countKey) === undefined) {
    const keyed = ownerPage(spec, offset, { text: countText, params: spec.where.params });
    const { n, rows } = await pageWithCount(keyed.text, [...keyed.params, ...page], false, true);
    if (rows) return done(n, rows);
    count = n;
  }

  // The children of one parent (a sub-list, or a list filtered by its parent: a client's tâches):
  // usually a handful, collected, counted and paged in ONE statement with the sub-list's parent
  // check (narrowPage); more than COLLECT_AT_ONCE of them (rare) are counted and paged as below.
  if (spec.where.narrow && !spec.where.hasPlainForms && !spec.where.scans && ordersOnMainTable(spec)) {
    const rows = await pageSql(narrowPage(spec, countFrom), [
      ...spec.where.params,
      ...page,
      ...(spec.parent?.params ?? []),
    ]);
    const head = rows[0]!; // always one row at least: the count's
    if (!head.crm_parent) throw notFound();
    if (head.crm_n <= COLLECT_AT_ONCE)
      return done(
        head.crm_n,
        rows.filter((r) => r.crm_i !== null),
      );
  }

  // (A count from an identical request at the same moment, above: the page alone is read below.)
  if (count === undefined && spec.parent) {
    const [row] = await listSql<{ n: number; parent_ok: boolean }>(
      em,
      `select count(*)::int as n, exists(${spec.parent.sql}) as parent_ok ${countFrom} ${spec.where}`,
      [...spec.parent.params, ...spec.where.params],
    );
    if (!row.parent_ok) throw notFound();
    count = row.n;
  } else if (count === undefined) {
    // Kept even when small (dropped at the next write like every count) when counting reads many
    // rows whatever the result: a term no index serves (every row), or a filter beside an owner
    // (a commercial's rows: their index range, then the heap for the filter; their tâches due
    // before a date, an `or` of two owners: 3 ms for 7 500 of their 30 000, at every page request
    // otherwise).
    const costly = spec.where.scans || (spec.where.keyed && spec.where.parts.length > 1);
    count = await countRows(
      em,
      countKey,
      async () => (await listSql<{ n: number }>(em, countText, spec.where.params))[0].n,
      costly,
    );
  }
  if (count <= offset) return done(count, []);
  const collect = () => pageSql(collectedPage(spec, countFrom), [...spec.where.params, ...page]);
  if (spec.where.parts.length === 0) {
    return done(count, await pageSql(`select ${spec.columns} ${spec.from} ${spec.order} limit ? offset ?`, page));
  }
  // A handful of matches: collected at once. More: a bounded walk first (a filter keeping a fair
  // share of rows spread along the order meets a page within a few hundred rows, cheaper than
  // collecting thousands), collected only when the walk comes back short.
  if (count <= COLLECT_AT_ONCE && !spec.where.scans) return done(count, await collect());
  // One owner's rows (a commercial's): their own index range in the order, filters tested on the
  // way (at least COLLECT_AT_ONCE matches among a tenth of the table: a page is near).
  if (spec.where.keyed) {
    const keyed = ownerPage(spec, offset);
    return done(count, await pageSql(keyed.text, [...keyed.params, ...page], true));
  }
  // Many matches: walk the ordering's index, but only so far (see boundedWalk); matches that the
  // walk does not meet early (a filter or a caller whose rows sit at the far end of the order) are
  // collected through the filters' indexes and sorted instead.
  const filter = spec.where.hasPlainForms
    ? spec.where.unindexed()
    : { text: spec.where.toString(), params: spec.where.params };
  // (A term too short for the trigram index has no index to collect through: walk all the way.)
  const walk = spec.where.scans ? null : boundedWalk(spec, filter.text, offset);
  // Short: up to SEARCH_COLLECT_MAX matches are collected (cheap); a search's, up to
  // WALKED_SEARCH_COLLECT_MAX (through its trigram index, only ids and ordering keys kept: about
  // 2 µs a match), since the walk that meets none in its first rows may have to pass the whole
  // table (« devis 4 » at ten times the bench's size: 150 000 devis, 72 ms, for 11 111 matches
  // collected in a fraction of that). Beyond, the walk goes all the way.
  const collectable = count <= (spec.where.hasPlainForms ? WALKED_SEARCH_COLLECT_MAX : SEARCH_COLLECT_MAX);
  const short = shortWalksOf(em);
  const shortKey = `${countKey}|${spec.order}|${offset}`;
  if (walk && collectable && short.has(shortKey)) return done(count, await collect());
  if (walk) {
    const rows = await pageSql(walk.text, [...walk.params, ...filter.params, ...page], true);
    if (rows.length >= Math.min(spec.pageSize, count - offset)) return done(count, rows);
    if (collectable) {
      short.remember(shortKey);
      return done(count, await collect());
    }
  }
  return done(
    count,
    await pageSql(
      `select ${spec.columns} ${spec.from} ${filter.text} ${spec.order} limit ? offset ?`,
      [...filter.params, ...page],
      true,
    ),
  );
}

const PAGE_CLAUSE = 'limit ? offset ?';
/**
 * The pages whose limit and offset are written in their statement: the first few, at the page sizes
 * clients use (each is a prepared statement of its own on every pooled connection: at most 15 per
 * list shape, 1 to 3 in practice, each plan a few tens of kB of the server's memory).
 */
const LITERAL_PAGES = 3;
const LITERAL_PAGE_SIZES = new Set([10, 20, 25, 50, 100]);

/**
 * `text` with its page clause (`limit ? offset ?`, the last one) written with `limit`'s and
 * `offset`'s values, and their two parameters taken out; unchanged when it has no such clause or
 * its parameters there are not these values. A prepared statement whose limit and offset are
 * parameters was planned again at every execution: PostgreSQL's generic plan for an unknown limit
 * expects a tenth of the table (hash joins and a sort: 8–11 ms for a page of tâches or
 * opportunités), so plan_cache_mode `auto` kept choosing custom plans, and planning the page's
 * joins was most of its database time (pgbench on the bench's data, first page of 25: tâches
 * 0.96 ms a page with custom plans, 0.36 ms planned once with the values written; opportunités
 * 0.58 → 0.32, devis 0.86 → 0.33, clients 0.29 → 0.17). Written values make one statement per
 * page and page size, hence only for the first pages (LITERAL_PAGES) at the usual sizes, and only
 * where the plan cannot depend on a search term (runList's `pageSql`: a term looked up through the
 * trigram index keeps a plan per execution).
 */
export function literalPage(
  text: string,
  params: unknown[],
  limit: number,
  offset: number,
): { text: string; params: unknown[] } {
  const at = text.lastIndexOf(PAGE_CLAUSE);
  // (Only integers are ever written into the text.)
  if (at < 0 || !Number.isSafeInteger(limit) || !Number.isSafeInteger(offset)) return { text, params };
  let before = 0;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 63 /* ? */) before++;
  if (params[before] !== limit || params[before + 1] !== offset) return { text, params };
  return {
    text: `${text.slice(0, at)}limit ${limit} offset ${offset}${text.slice(at + PAGE_CLAUSE.length)}`,
    params: [...params.slice(0, before), ...params.slice(before + 2)],
  };
}

/**
 * A list's statements are prepared: each pooled connection parses a statement shape once, and
 * PostgreSQL keeps its plan when it judges a generic one as good (plan_cache_mode auto: after five
 * custom plans), which it never does for a page whose limit and offset are parameters (see
 * literalPage). Planning was most of the database time of a page (about 1 ms of the 1.5 ms of a
 * clients search). The shapes are few (a resource's filters × orderings × paths: collected,
 * keyed, walked), and their plans cannot turn bad for another term: the CTEs fix how matches are
 * read (see collectedPage) whatever the term. Every statement names its columns, so a migration
 * adding one does not break a cached plan's result type.
 */
function listSql<T = Row>(em: EntityManager, text: string, params: unknown[]): Promise<T[]> {
  return sql<T>(em, text, params, { prepare: true });
}

/**
 * The pages whose bounded walk came back short (their list, parameters, order and offset), for a
 * minute: the next requests for them collect at once, without walking the first rows again for
 * nothing. Only a cost is remembered (collecting is exact whatever the data became). Per app.
 */
class ShortWalks {
  private readonly until = new Map<string, number>();
  has(key: string): boolean {
    const t = this.until.get(key);
    if (t === undefined) return false;
    if (t > Date.now()) return true;
    this.until.delete(key);
    return false;
  }
  remember(key: string): void {
    if (this.until.size >= 1000) this.until.delete(this.until.keys().next().value!);
    this.until.set(key, Date.now() + 60_000);
  }
}
const SHORT_WALKS = new OrmSlot<ShortWalks>('crm:shortWalks');
const shortWalksOf = (em: EntityManager): ShortWalks => SHORT_WALKS.ensure(em, () => new ShortWalks());

/** A search whose bounded walk came back short collects up to this many matches rather than walking on (see runList). */
const WALKED_SEARCH_COLLECT_MAX = 20_000;

/** Filtered results this small are collected through their indexes without trying a walk first. */
const COLLECT_AT_ONCE = 200;

/** A walk looks at most this many rows per row it must return (pages up to this one), and at least WALK_MIN. */
const WALK_FACTOR = 40;
const WALK_MIN = 2000;

/**
 * The page read by walking the ordering's index over the first rows of the main table only
 * (`limit k` inside, filters and joins outside): when the filter keeps a fair share of the rows
 * spread along the order (a commercial's tenth of the clients, a stage's fifth of the deals) the
 * page is found within those rows, in the same few microseconds per row as an unbounded walk; when
 * it does not, the page comes back short after k rows instead of after the whole table, and the
 * caller collects the matches instead. Null when the ordering names a joined table (or `from` does
 * not start with the main table as `from <table> <alias>`).
 */
function boundedWalk<T>(
  spec: ListSpec<T>,
  whereText: string,
  offset: number,
): { text: string; params: unknown[] } | null {
  const main = mainTable(spec);
  if (!main || !ordersOnMainTable(spec)) return null;
  const k = Math.max(WALK_MIN, WALK_FACTOR * (offset + spec.pageSize));
  // The clauses an index serves in this order start the walk at their first match.
  const leading = /^order by\s+([\w.]+)/.exec(spec.order)?.[1];
  const inner = spec.where.walkable.filter((w) => w.column === leading);
  return {
    text: `select ${spec.columns} from (select * ${main.base}${inner.length ? ` where ${inner.map((w) => w.clause).join(' and ')}` : ''}
      ${spec.order} limit ${k}) ${spec.alias}${main.joins}
    ${whereText} ${spec.order} limit ? offset ?`,
    params: inner.flatMap((w) => w.params),
  };
}

/** `from` as `from <table> <alias>` (the main table under the list's alias) and the joins after it, else null. */
function mainTable<T>(spec: ListSpec<T>): { base: string; joins: string } | null {
  const m = /^from (\w+) (\w+)(?=\s|$)/.exec(spec.from);
  return m && m[2] === spec.alias ? { base: m[0], joins: spec.from.slice(m[0].length) } : null;
}

/**
 * The page of a keyed `where` (see Where.keyed): the filters as they are, the ordering's index
 * range of the owner. An `or` of owners (Where.branches) reads each branch's first
 * `offset + pageSize` rows in order from its own index and merges them (`union`: a row in both
 * branches once), so the page never depends on how the two interleave.
 */
function ownerPage<T>(
  spec: ListSpec<T>,
  offset: number,
  /** A count statement whose number each row carries (`crm_n`), with its parameters. */
  count?: { text: string; params: unknown[] },
): { text: string; params: unknown[] } {
  const filter = spec.where.unindexed();
  const main = mainTable(spec);
  const branches = spec.where.branches;
  const columns = count ? `${spec.columns}, (${count.text}) as crm_n` : spec.columns;
  if (!branches || !ordersOnMainTable(spec) || !main)
    return {
      text: `select ${columns} ${spec.from} ${filter.text} ${spec.order} limit ? offset ?`,
      params: [...(count?.params ?? []), ...filter.params],
    };
  const rest = spec.where.unindexed(branches.part);
  const n = offset + spec.pageSize;
  const params: unknown[] = [...(count?.params ?? [])];
  const parts = branches.alts.map((alt) => {
    params.push(...alt.params, ...rest.params);
    const more = rest.text ? ` and ${rest.text.slice('where '.length)}` : '';
    return `(select * ${main.base} where ${alt.clause}${more} ${spec.order} limit ${n})`;
  });
  return {
    text: `select ${columns} from (${parts.join(' union ')}) ${spec.alias}${main.joins} ${spec.order} limit ? offset ?`,
    params,
  };
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
export async function* streamResource<T>(
  em: EntityManager,
  resource: Resource<T>,
  ordering: string | undefined,
  where: Where,
): AsyncGenerator<T[]> {
  const order = orderBy(ordering, resource.orderColumns, resource.defaultOrder);
  for await (const rows of streamRows(
    em,
    `select ${resource.columns} ${resource.from} ${where} ${order}`,
    where.params,
  )) {
    yield rows.map(resource.map);
  }
}
