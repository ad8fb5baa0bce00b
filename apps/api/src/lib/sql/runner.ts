import { createHash } from 'node:crypto';
import pg from 'pg';
import type { EntityManager } from '@crm/db';
import { dataChangesOf } from './dataChanges.js';

/**
 * Raw SQL through MikroORM's connection, inside the EntityManager's transaction when there is one.
 * Reads use hand-written SQL (one statement per list page, joins instead of N+1); writes go
 * through entities and the unit of work, or through here. Placeholders are `?`.
 *
 * A write statement (insert, update, delete) reports the tables it names to the app's data
 * changes (see DataChanges), which drop the caches that depend on them once it is committed: no
 * caller has to remember to.
 */
export async function sql<T = Record<string, any>>(
  em: EntityManager,
  text: string,
  params: unknown[] = [],
  opts: { prepare?: boolean } = {},
): Promise<T[]> {
  const trx = em.getTransactionContext();
  // (With the ORM's `debug` on, every statement keeps the ORM path so that it is logged.)
  const numbered = em.config.get('debug') ? null : trx ? scalarText(text, params) : readOnlyText(text, params);
  const rows =
    numbered === null
      ? await em.getConnection().execute<T[]>(text, params as any[], 'all', trx)
      : await onPgConnection<T>(em, trx, text, numbered, params, opts.prepare ? preparedName(text) : undefined);
  const written = writtenTables(text);
  if (written) await dataChangesOf(em)?.written(written, trx);
  return rows;
}

const WRITE_START = /^\s*(insert|update|delete|with|merge|truncate)\b/i;
const WRITE_TARGET =
  /\b(?:insert\s+into|update|delete\s+from|merge\s+into|truncate(?:\s+table)?)\s+(?:only\s+)?"?([a-z_][a-z0-9_]*)"?/gi;

/** Tables a write statement names (null for a read). Over-reports harmlessly (`for update of x` inside a `with`). */
export function writtenTables(text: string): string[] | null {
  if (!WRITE_START.test(text)) return null;
  const tables = new Set<string>();
  for (const m of text.matchAll(WRITE_TARGET)) tables.add(m[1].toLowerCase());
  return tables.size ? [...tables] : null;
}

/**
 * A statement with big parameters (thousands of rows in `unnest(?::text[], …)`, imports), sent with
 * `$n` bound parameters on the connection of `em`'s transaction (or a pooled one outside any): the
 * ORM path would inline the values into the SQL text, escaping and sending megabytes of literals.
 * Written tables are reported like `sql` does.
 */
export async function sqlBound<T = Record<string, any>>(
  em: EntityManager,
  text: string,
  params: unknown[],
): Promise<T[]> {
  const numbered = numberPlaceholders(text);
  if (numbered === null) throw new Error(`sqlBound: placeholders that cannot be numbered in ${text.slice(0, 80)}`);
  const trx = em.getTransactionContext();
  const rows = await onPgConnection<T>(em, trx, text, numbered, params);
  const written = writtenTables(text);
  if (written) await dataChangesOf(em)?.written(written, trx);
  return rows;
}

/**
 * Runs `numbered` (`$n` placeholders) straight on a pg connection of the ORM's knex pool, or on the
 * transaction's: hot-path reads skip MikroORM's and knex's query building (about half the
 * client-side CPU of a query), and big parameters are bound instead of inlined (`sqlBound`). The
 * knex `query` event is still emitted (statement counting in tests and `pnpm bench`), and errors
 * are converted by the driver like the ORM path does.
 */
async function onPgConnection<T>(
  em: EntityManager,
  trx: unknown,
  text: string,
  numbered: string,
  params: unknown[],
  name?: string,
): Promise<T[]> {
  const knex = em.getConnection().getKnex() as any;
  const client = trx ? (trx as any).client : knex.client;
  const conn = await client.acquireConnection();
  try {
    const res = await send(
      knex,
      conn,
      text,
      name ? { name, text: numbered, values: params } : { text: numbered, values: params },
    );
    return res.rows as T[];
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  } finally {
    if (!trx) await client.releaseConnection(conn);
  }
}

/**
 * Sends a query on pg connection `conn`, after emitting knex's `query` event with `shown` (the
 * statement as written: statement counting in tests and `pnpm bench`).
 */
function send(knex: any, conn: any, shown: string, query: { text: string; values?: unknown[]; name?: string }) {
  knex.client.emit('query', { __knexUid: conn.__knexUid, method: 'raw', sql: shown, bindings: query.values ?? [] });
  return conn.query(query);
}

/**
 * Runs one read (`?` placeholders, scalar parameters) with planner `settings` set for it alone, in
 * **one round trip**: a single simple-query message `begin; set local …; execute …; commit` (plus
 * `prepare …` the first time on a connection: the statement is prepared once per pooled connection
 * and its plan cached like `sql(…, { prepare: true })`'s). The settings end with the transaction,
 * whatever happens. Parameters travel as quoted literals that PostgreSQL types like the bound ones
 * (`unknown`, resolved from where each is used), so the statement means the same.
 *
 * Why one message: on a 2-core virtual machine each round trip to PostgreSQL cost about 0.2 ms of
 * this process's CPU in `write` alone under load (a third of the global search's API CPU went to
 * its `begin`, search and `commit` writes), and as much again in the server's backend.
 */
export async function readWithSettings<T = Record<string, any>>(
  em: EntityManager,
  settings: Record<string, string>,
  text: string,
  params: unknown[],
): Promise<T[]> {
  return (await readManyWithSettings<T>(em, settings, [{ text, params }]))[0];
}

/**
 * `readWithSettings` for several reads at once, still one message (`begin; set local …; execute a(…);
 * execute b(…); …; commit`): one snapshot, the rows of each read in order. Each read is its own
 * prepared statement, so reads that vary independently (the global search's one per type) make a
 * few small plans instead of one big plan per combination of their variants. The message counts as
 * one statement for the `query` event (statement counts in tests and `pnpm bench` are round trips).
 */
export async function readManyWithSettings<T = Record<string, any>>(
  em: EntityManager,
  settings: Record<string, string>,
  reads: Array<{ text: string; params: unknown[] }>,
): Promise<T[][]> {
  const sets = Object.entries(settings).map(([k, v]) => {
    if (!/^[a-z_]+$/.test(k) || !/^[a-z0-9_]+$/.test(v)) throw new Error(`readWithSettings: bad setting ${k}`);
    return `set local ${k} = ${v}`;
  });
  const statements = reads.map(({ text, params }) => {
    const numbered = readOnlyText(text, params);
    if (numbered === null) throw new Error('readWithSettings: a plain select with scalar parameters is expected');
    let args = '';
    try {
      args = params.length ? `(${params.map(literal).join(', ')})` : '';
    } catch (err) {
      throw em.getDriver().convertException(err as Error);
    }
    return { numbered, args, name: preparedName(text, 'crmx') };
  });
  const knex = em.getConnection().getKnex() as any;
  const client = knex.client;
  const conn = await client.acquireConnection();
  const prepared = preparedOn.get(conn) ?? new Set<string>();
  preparedOn.set(conn, prepared);
  const toPrepare = [...new Map(statements.filter((s) => !prepared.has(s.name)).map((s) => [s.name, s])).values()];
  const message = [
    'begin',
    ...sets,
    ...toPrepare.map((s) => `prepare ${s.name} as ${s.numbered}`),
    ...statements.map((s) => `execute ${s.name}${s.args}`),
    'commit',
  ].join(';\n');
  try {
    // One event for the message, with each read in `reads` (bench/explain-search.ts explains them).
    knex.client.emit('query', {
      __knexUid: conn.__knexUid,
      method: 'raw',
      sql: reads.map((r) => r.text).join(';\n'),
      bindings: reads.flatMap((r) => r.params),
      reads: reads.map((r) => ({ sql: r.text, bindings: r.params })),
    });
    const results = await conn.query(message);
    for (const s of toPrepare) prepared.add(s.name);
    const first = 1 + sets.length + toPrepare.length;
    return statements.map((_, i) => results[first + i].rows as T[]);
  } catch (err) {
    // The message stopped at the failing statement, inside the transaction; a `prepare` in it may
    // or may not have run (prepared statements outlive a rollback): ask the server which exist.
    await conn.query('rollback').catch(() => undefined);
    await conn
      .query(`select name from pg_prepared_statements where starts_with(name, 'crmx_')`)
      .then((r: { rows: Array<{ name: string }> }) => preparedOn.set(conn, new Set(r.rows.map((x) => x.name))))
      .catch(() => preparedOn.delete(conn));
    throw em.getDriver().convertException(err as Error);
  } finally {
    await client.releaseConnection(conn);
  }
}

/** The `readWithSettings` statements prepared on each pooled pg connection (gone with the connection). */
const preparedOn = new WeakMap<object, Set<string>>();

/** A scalar parameter as a SQL literal of type `unknown`, as node-pg sends it bound (text format). */
function literal(v: unknown): string {
  if (v === null) return 'NULL';
  const text = typeof v === 'string' ? v : String(v); // numbers and booleans: as node-pg writes them
  // PostgreSQL's own answer to a bound NUL (a NUL would end the message's text early).
  if (text.includes('\0'))
    throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
  return pg.escapeLiteral(text);
}

/**
 * Name of a prepared statement (`sql(…, { prepare: true })`): each pooled connection parses and
 * plans it once, then PostgreSQL reuses the plan when it judges a generic one as good. For big
 * statements whose planning costs as much as their execution (the global search: a union of a
 * dozen indexed branches). `prefix` keeps `readManyWithSettings`' SQL-level `prepare`s (`crmx`)
 * apart from node-pg's protocol-level ones (`crm`): both live in the connection's one namespace.
 */
function preparedName(text: string, prefix: 'crm' | 'crmx' = 'crm'): string {
  const info = infoOf(text);
  let name = info.names[prefix];
  if (name === undefined) {
    name = `${prefix}_${createHash('sha1').update(info.numbered!).digest('hex').slice(0, 24)}`;
    info.names[prefix] = name;
  }
  return name;
}

/**
 * What each statement text's fast path needs, worked out once per text (the global search sends six
 * texts of ~2 kB per request: scanning them with regular expressions, numbering and hashing them
 * each time was ~5 % of its API CPU): `numbered` (null: the text keeps the ORM path) with its number
 * of placeholders, whether it is a plain read, and its prepared statements' names once asked for.
 */
interface TextInfo {
  numbered: string | null;
  placeholders: number;
  read: boolean;
  names: { crm?: string; crmx?: string };
}
const textInfos = new Map<string, TextInfo>();

function infoOf(text: string): TextInfo {
  let info = textInfos.get(text);
  if (info === undefined) {
    const numbered = numberPlaceholders(text);
    info = {
      numbered,
      placeholders: numbered === null ? 0 : numbered.split('$').length - 1,
      names: {},
      // A `with … select` (the lists' searches and filtered pages) when none of its parts writes.
      read:
        !/\bfor\s+(update|share|no\s+key|key)\b/i.test(text) &&
        (/^\s*select\b/i.test(text) || (/^\s*with\b/i.test(text) && !/\b(insert|update|delete|merge)\b/i.test(text))),
    };
    if (textInfos.size > 5000) textInfos.clear();
    textInfos.set(text, info);
  }
  return info;
}

/**
 * `text` with `?` turned into `$1…$n` when it is a plain select the fast path may run (outside any
 * transaction, scalar parameters only), else null: writes, `for update`, array or undefined
 * bindings, `??` and quoted `?` keep the ORM path and its exact knex semantics.
 */
function readOnlyText(text: string, params: unknown[]): string | null {
  return infoOf(text).read ? scalarText(text, params) : null;
}

/**
 * `text` numbered for the fast path when its parameters are all scalars (any statement: inside a
 * transaction, writes and locks take it too — a board move is ten statements, and the ORM path's
 * formatting was most of their client-side CPU), else null.
 */
function scalarText(text: string, params: unknown[]): string | null {
  for (const p of params) {
    const t = typeof p;
    if (!(p === null || t === 'string' || t === 'number' || t === 'boolean')) return null;
  }
  const { numbered, placeholders } = infoOf(text);
  // Same number of placeholders as parameters, or let knex report the mismatch its own way.
  return numbered !== null && placeholders === params.length ? numbered : null;
}

/** `?` placeholders as `$1…$n`, or null when one cannot be told from text (`??`, `\?`, inside quotes, a `$` already). */
function numberPlaceholders(text: string): string | null {
  if (text.includes('$')) return null;
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '?') return null; // knex would not treat it as a binding either way: keep its path
      if (c === quote) quote = null;
      out += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '?') {
      if (text[i + 1] === '?' || text[i - 1] === '\\') return null;
      out += `$${++n}`;
    } else {
      out += c;
    }
  }
  return out;
}

/**
 * All rows of a plain `select`, in batches through a server-side cursor (exports of whole lists:
 * memory stays at one batch whatever the number of rows). Runs on its own pooled connection, in a
 * read-only transaction (one consistent snapshot); stopping the iteration early (client gone)
 * closes the cursor and gives the connection back.
 */
export async function* streamRows<T = Record<string, any>>(
  em: EntityManager,
  text: string,
  params: unknown[],
  batchSize = 1000,
): AsyncGenerator<T[]> {
  const numbered = readOnlyText(text, params);
  if (numbered === null) throw new Error('streamRows: a plain select with scalar parameters is expected');
  const knex = em.getConnection().getKnex() as any;
  const client = knex.client;
  const conn = await client.acquireConnection();
  const run = (q: string, values: unknown[] = []) => send(knex, conn, q, { text: q, values });
  let open = false;
  try {
    await run('begin transaction isolation level repeatable read, read only');
    open = true;
    await run(`declare crm_stream no scroll cursor for ${numbered}`, params);
    for (;;) {
      const res = await run(`fetch ${Math.trunc(batchSize)} from crm_stream`);
      if (res.rows.length) yield res.rows as T[];
      if (res.rows.length < batchSize) break;
    }
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  } finally {
    if (open) await conn.query('rollback').catch(() => undefined);
    await client.releaseConnection(conn);
  }
}

export async function sqlOne<T = Record<string, any>>(
  em: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<T | undefined> {
  const rows = await sql<T>(em, text, params);
  return rows[0];
}

/**
 * Locks row `id` of `table` for the rest of the transaction; false when there is none. By primary
 * key alone on purpose: a `for update` over a join re-checks the join after waiting with the other
 * tables' rows as first read, so a row whose parent was just changed by the transaction we waited
 * for would vanish (a spurious 404). Read the row (and check visibility) in a later statement.
 */
export async function lockRow(
  em: EntityManager,
  table: 'projets' | 'devis' | 'opportunites' | 'clients' | 'taches' | 'users',
  id: number,
): Promise<boolean> {
  return (await sql(em, `select id from ${table} where id = ? for update`, [id])).length > 0;
}
