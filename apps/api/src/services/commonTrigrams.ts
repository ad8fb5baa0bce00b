import type { EntityManager } from '@crm/db';
import { OrmSlot } from '../lib/ormSlot.js';

/**
 * Trigrams that most rows of a big table share (every client's e-mail holds « contact » and
 * « example », every tâche's title « tache »), so that a search does not ask the trigram index for
 * them. The GIN index answers `like '%contact12345@%'` by intersecting the posting lists of all the
 * term's trigrams: those of con, ont, nta, tac, act hold every row of the table (168 index pages,
 * 2.9 ms on the bench's 100 000 clients) where t12, 123, 234, 345 alone find the one match in 12
 * pages (0.1 ms). The search then looks up its rare part in the index and checks the whole term on
 * the rows found (see addSearch): same answer, a fraction of the index read.
 *
 * Only when that part is itself selective: one of its trigrams in at most RARE_SHARE of the rows
 * (the rows the index then returns are at most that many, usually far fewer, each checked once);
 * a part as common as « dub » in half the table would cost more rows to check than the posting
 * lists it saves.
 *
 * The shares come from a sample of each table (about SAMPLE_ROWS rows), taken in the background
 * the first time a search needs them and again after STATS_TTL_MS; until then, and for tables
 * under MIN_ROWS rows (where every posting list is short), the whole term goes to the index as
 * before. They only choose what the index is asked: the rows answered never depend on them.
 */
export const COMMON_SHARE = 0.1;
export const RARE_SHARE = 0.02;
export const MIN_ROWS = 20_000;
const SAMPLE_ROWS = 2_000;
const STATS_TTL_MS = 10 * 60_000;

/** The tables with a folded `recherche` column and its trigram index. */
export type SearchTable = 'clients' | 'contacts' | 'projets' | 'opportunites' | 'taches' | 'devis';

const WORD = /[\p{L}\p{N}]/u;

/**
 * The parts of `term` (already folded) that the trigram index is asked for, in the term's order and
 * not overlapping, when the term has a common trigram; otherwise null (the whole term goes to the
 * index). Each part is a run of trigrams all below COMMON_SHARE of the rows, and every such run
 * goes: their posting lists are short, and each narrows the rows to check (« telchetmor »: « elch »
 * alone found ~500 rows of the bench's clients, 187 pages read; with « etmo » ~20 rows, 22 pages,
 * half the time). The parts together must be selective: the product of each part's rarest trigram
 * share (as if independent) at most RARE_SHARE, else null (leaving the common trigrams out would
 * cost more rows to check than the posting lists it saves).
 * `shares`: each trigram's share of the rows (a trigram absent from it is rare). Trigrams are read as
 * pg_trgm does inside a `%…%` pattern: three consecutive word characters (letters, digits); other
 * characters cut words. The parts are looked up as `%part1%part2%…`, which every row holding the
 * term matches: two runs that share a character (« rla » and « anch » in « marlancha ») are cut
 * apart, the later one losing its first character (« nch »), and a part left without a trigram is dropped.
 */
export function rareParts(term: string, shares: ReadonlyMap<string, number>): string[] | null {
  if (!shares.size) return null;
  const chars = [...term];
  const isWord = chars.map((c) => WORD.test(c));
  const share = (i: number) => shares.get(chars.slice(i, i + 3).join('')) ?? 0;
  // Per position: the share of the trigram starting there, or null (no trigram starts there).
  const at: Array<number | null> = chars.map((_, i) =>
    i + 2 < chars.length && isWord[i] && isWord[i + 1] && isWord[i + 2] ? share(i) : null,
  );
  if (!at.some((s) => s !== null && s >= COMMON_SHARE)) return null; // nothing to leave out
  // Runs of positions whose trigrams are not common (positions without a trigram end a run).
  const rare = (i: number) => at[i] !== null && (at[i] as number) < COMMON_SHARE;
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < at.length; ) {
    if (!rare(i)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < at.length && rare(j + 1)) j++;
    runs.push([i, j]);
    i = j + 1;
  }
  const parts: string[] = [];
  // The share of the rows expected to hold every part: the product of each part's rarest trigram.
  let together = 1;
  let end = 0; // first character after the previous part
  for (const [i, j] of runs) {
    const from = Math.max(i, end);
    if (j + 3 - from < 3) continue;
    parts.push(chars.slice(from, j + 3).join(''));
    together *= Math.min(...at.slice(from, j + 1).map((s) => s as number));
    end = j + 3;
  }
  return parts.length && together <= RARE_SHARE ? parts : null;
}

interface TableStats {
  shares: ReadonlyMap<string, number>;
  at: number;
}

class CommonTrigrams {
  private readonly stats = new Map<SearchTable, TableStats>();
  private readonly loading = new Map<SearchTable, Promise<void>>();

  /** The table's trigram shares as last sampled (empty until the first sample is in); starts a sample when due. */
  of(em: EntityManager, table: SearchTable): ReadonlyMap<string, number> {
    const s = this.stats.get(table);
    if (!s || Date.now() - s.at > STATS_TTL_MS) void this.refresh(em, table);
    return s?.shares ?? EMPTY;
  }

  /** Samples the table again (one at a time per table); resolves once its shares are in. */
  refresh(em: EntityManager, table: SearchTable): Promise<void> {
    let p = this.loading.get(table);
    if (!p) {
      p = sample(em, table)
        .then((shares) => void this.stats.set(table, { shares, at: Date.now() }))
        // A failed sample (database away) keeps the previous shares and is tried again at the next search.
        .catch(() => undefined)
        .finally(() => this.loading.delete(table));
      this.loading.set(table, p);
    }
    return p;
  }
}

const EMPTY: ReadonlyMap<string, number> = new Map();
const SLOT = new OrmSlot<CommonTrigrams>('crm:commonTrigrams');
const of = (em: EntityManager) => SLOT.ensure(em, () => new CommonTrigrams());

/** The trigram shares of `table` for this app (see above); never waits for the database. */
export const trigramShares = (em: EntityManager, table: SearchTable): ReadonlyMap<string, number> =>
  of(em).of(em, table);

/** Samples `table` now and waits for it (tests, and `pnpm bench`'s warm-up). */
export const refreshCommonTrigrams = (em: EntityManager, table: SearchTable): Promise<void> =>
  of(em).refresh(em, table);

/**
 * Each trigram's share of a sample of `table`'s rows (none under MIN_ROWS rows). Runs on a pooled
 * connection of its own, in the background of the search that found the shares missing, and is not
 * reported as one of a request's statements.
 */
async function sample(em: EntityManager, table: SearchTable): Promise<ReadonlyMap<string, number>> {
  const client = (em.getConnection().getKnex() as any).client;
  const conn = await client.acquireConnection();
  try {
    const [{ n }] = (
      await conn.query(`select reltuples::float8 as n from pg_class where oid = to_regclass($1)`, [table])
    ).rows;
    if (!(n >= MIN_ROWS)) return EMPTY;
    const percent = Math.min(100, (100 * SAMPLE_ROWS) / n).toFixed(4);
    const { rows } = await conn.query(
      `with s as (select recherche from ${table} tablesample system (${percent}))
       select t, count(*)::int as c, (select count(*)::int from s) as total
         from s, unnest(show_trgm(s.recherche)) t group by t`,
    );
    const total: number = rows[0]?.total ?? 0;
    if (!total) return EMPTY;
    // Padded trigrams (a word's start or end) are not what a `%…%` pattern asks the index for.
    return new Map(
      rows.filter((r: { t: string }) => !r.t.includes(' ')).map((r: { t: string; c: number }) => [r.t, r.c / total]),
    );
  } finally {
    await client.releaseConnection(conn);
  }
}
