import type { EntityManager } from '@crm/db';
import type { RechercheType } from '@crm/shared';
import { OrmSlot } from '../lib/ormSlot.js';
import { sql } from '../lib/sql/runner.js';

/**
 * How many rows a term matches, estimated from a sample of each searchable table, so that the
 * global search reads each type the cheapest way (see `formOf` in recherche.ts) with the generic
 * plans it must use. PostgreSQL estimates this only when it plans a statement for its values,
 * which cost as much as running the search (see GENERIC_PLANS there). The sample is the same kind
 * of evidence its planner uses (pg_stats holds about a hundred values of a column), with the
 * owners of each row, so that the estimate is the caller's: a commercial's « lef » is dense in the
 * table and absent from their own clients. An estimate only picks a plan: a wrong one (a stale
 * sample) costs time, never a hit (recherche.ts falls back).
 */

/** Rows sampled per type (random ids: index lookups, not a scan). */
export const SAMPLE_SIZE = 1000;
/** A sample older than this is reloaded in the background (the old one serves meanwhile). */
const REFRESH_MS = 5 * 60_000;
/** A failed load is tried again after this long. */
const RETRY_MS = 30_000;

export interface SampleRow {
  /** The row's folded search text (`recherche`). */
  text: string;
  /** Users whose scope includes the row (its owner, a tâche's assignee). */
  owners: number[];
}

export interface Sample {
  rows: SampleRow[];
  /** Rows in the table (the planner's count, at least the sample's). */
  total: number;
  /** The rows (indexes in `rows`, ascending) holding each trigram of their text: see `indexSample`. */
  grams: Map<string, number[]>;
  /** Sample rows each user is an owner of. */
  owned: Map<number, number>;
}

/** Builds a sample's lookups: the rows by trigram (a term's candidates) and by owner. */
export function indexSample(rows: SampleRow[], total: number): Sample {
  const grams = new Map<string, number[]>();
  const owned = new Map<number, number>();
  rows.forEach((row, i) => {
    for (let at = 0; at + 3 <= row.text.length; at++) {
      const g = row.text.slice(at, at + 3);
      const list = grams.get(g);
      if (!list) grams.set(g, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
    for (const o of new Set(row.owners)) owned.set(o, (owned.get(o) ?? 0) + 1);
  });
  return { rows, total: Math.max(total, rows.length), grams, owned };
}

/**
 * The sample rows that may contain every word: those holding the rarest trigram of the longest
 * word (every row when no word has three characters).
 */
function candidates(sample: Sample, words: string[]): Iterable<number> {
  let best: number[] | null = null;
  for (const w of words) {
    for (let at = 0; at + 3 <= w.length; at++) {
      const list = sample.grams.get(w.slice(at, at + 3)) ?? [];
      if (!best || list.length < best.length) best = list;
    }
  }
  return best ?? sample.rows.keys();
}

/** What a type's sample is read from. */
export interface SampledType {
  type: RechercheType;
  /** `from <table> <alias>` and its joins (the owners may come from a join). */
  from: string;
  alias: string;
  /** SQL array of the owner ids of a row (`array[c.responsable_id]`). */
  owners: string;
}

/** The sample of each type, as one statement: at most SAMPLE_SIZE rows picked by random id, or all of a small table. */
function sampleStatement(types: readonly SampledType[]): { text: string; params: unknown[] } {
  const params: unknown[] = [];
  const parts = types.map((t) => {
    const table = /^from (\w+)/.exec(t.from)![1];
    params.push(SAMPLE_SIZE, SAMPLE_SIZE);
    return `(select '${t.type}'::text as type, ${t.alias}.recherche as text, ${t.owners}::int[] as owners,
      greatest((select reltuples from pg_class where oid = '${table}'::regclass), 0)::float8 as total
      ${t.from}
      where ${t.alias}.id = any(array(select case when mx.m <= ? then g else 1 + floor(random() * mx.m)::int end as id
        from (select coalesce(max(id), 0) as m from ${table}) mx, generate_series(1, least(mx.m, ?)) g order by 1)))`;
  });
  return { text: parts.join(' union all '), params };
}

const MEMO_SIZE = 1000;

/** The samples of one app (its ORM: see `samplesOf`). */
class Samples {
  private samples: Map<RechercheType, Sample> | null = null;
  private loadedAt = 0;
  private loading: Promise<Map<RechercheType, Sample>> | null = null;

  /**
   * The current samples, or null while the first ones load: a search never waits for them (their
   * 6 000 random reads take a few hundred milliseconds on a cold cache); it reads every tier the
   * default way meanwhile. A stale sample serves while the next one loads; a failed load is retried
   * after RETRY_MS.
   */
  current(em: EntityManager, types: readonly SampledType[]): Map<RechercheType, Sample> | null {
    if (Date.now() - this.loadedAt > REFRESH_MS && !this.loading) this.ready(em, types).catch(() => {});
    return this.samples;
  }

  /** Loads the samples now (a test or the bench: the next search has them). */
  ready(em: EntityManager, types: readonly SampledType[]): Promise<Map<RechercheType, Sample>> {
    this.loading ??= this.load(em, types)
      .catch((err) => {
        this.loadedAt = Date.now() - REFRESH_MS + RETRY_MS;
        throw err;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  private async load(em: EntityManager, types: readonly SampledType[]): Promise<Map<RechercheType, Sample>> {
    const statement = sampleStatement(types);
    const rows = await sql<{ type: RechercheType; text: string | null; owners: number[]; total: number }>(
      em,
      statement.text,
      statement.params,
    );
    const read = new Map<RechercheType, { rows: SampleRow[]; total: number }>(
      types.map((t) => [t.type, { rows: [], total: 0 }]),
    );
    for (const r of rows) {
      const s = read.get(r.type)!;
      s.rows.push({ text: r.text ?? '', owners: (r.owners ?? []).filter((o) => o !== null) });
      s.total = Number(r.total);
    }
    const samples = new Map<RechercheType, Sample>([...read].map(([type, s]) => [type, indexSample(s.rows, s.total)]));
    this.samples = samples;
    this.loadedAt = Date.now();
    return samples;
  }

  /** Estimates computed on the current sample, by caller and query (the same terms come back often). */
  private readonly memo = new Map<string, unknown>();
  private memoOf: Map<RechercheType, Sample> | null = null;

  /** `compute()`, or its value for `key` computed on the same sample (at most MEMO_SIZE kept). */
  memoize<T>(samples: Map<RechercheType, Sample>, key: string, compute: () => T): T {
    if (this.memoOf !== samples) {
      this.memo.clear();
      this.memoOf = samples;
    }
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const value = compute();
    if (this.memo.size >= MEMO_SIZE) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(key, value);
    return value;
  }

  /** Forgets the sample (tests: the next search loads one from the data as it is then). */
  reset(): void {
    this.samples = null;
    this.loadedAt = 0;
  }
}

const SAMPLES = new OrmSlot<Samples>('crm:rechercheSamples');

/** The samples of `em`'s app: each ORM (each app, tests start several) has its own. */
export const samplesOf = (em: EntityManager): Samples => SAMPLES.ensure(em, () => new Samples());

/** Whether `word` starts a word of `text` (as `to_tsvector('simple', …)` splits it, roughly). */
export function startsAWord(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at !== -1; at = text.indexOf(word, at + 1)) {
    if (at === 0 || !/[\p{L}\p{N}]/u.test(text[at - 1]!)) return true;
  }
  return false;
}

/** A tier's matches in a sample. */
export interface TierEstimate {
  /** Matches expected in the whole table (the search index's share of the work). */
  matches: number;
  /**
   * Matches the caller sees per row of the walk's window (their own rows when `ownWindow`, else
   * every row), and how many sample rows that rests on.
   */
  density: number;
  hits: number;
  /** Matches expected among the rows the caller sees, in the whole table. */
  seen: number;
  /** Rows the caller sees in the whole table. */
  visible: number;
}

/**
 * The matches of both text tiers of a type in `sample`: rank 1, every word starts a word of the
 * text; rank 2, every word is in it but not all start a word (the tier's own rows). `user`: whose
 * rows count as seen (staff see all); `ownWindow`: the walk reads only the caller's rows.
 */
export function estimateTiers(
  sample: Sample,
  words: string[],
  user: { id: number; staff: boolean },
  ownWindow: boolean,
): { 1: TierEstimate; 2: TierEstimate } {
  const matches = [0, 0];
  const hits = [0, 0];
  for (const i of candidates(sample, words)) {
    const row = sample.rows[i]!;
    if (!words.every((w) => row.text.includes(w))) continue;
    const tier = words.every((w) => startsAWord(row.text, w)) ? 0 : 1;
    matches[tier]++;
    if (user.staff || row.owners.includes(user.id)) hits[tier]++;
  }
  const n = sample.rows.length;
  const visible = user.staff ? n : (sample.owned.get(user.id) ?? 0);
  const window = ownWindow ? visible : n;
  const tier = (i: number): TierEstimate => ({
    matches: n ? (matches[i]! / n) * sample.total : 0,
    density: window ? hits[i]! / window : 0,
    hits: hits[i]!,
    seen: n ? (hits[i]! / n) * sample.total : 0,
    visible: n ? (visible / n) * sample.total : 0,
  });
  return { 1: tier(0), 2: tier(1) };
}
