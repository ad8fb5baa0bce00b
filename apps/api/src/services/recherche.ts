import type { EntityManager } from '@crm/db';
import {
  LABELS,
  RECHERCHE_LABELS,
  RECHERCHE_MIN_LENGTH,
  type RechercheHit,
  type RechercheOut,
  type RechercheType,
} from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { crmFold } from '../lib/sql/fold.js';
import { readManyWithSettings, readWithSettings } from '../lib/sql/runner.js';
import { ISO_UTC } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { formatDate } from '../lib/pdf.js';
import type { Row } from './listing.js';
import { estimateTiers, type SampledType, samplesOf, type TierEstimate } from './rechercheEstimate.js';
import { scopeByClient, scopeByClientId, scopeTaches, seesAll } from './visibility.js';

/**
 * Global search: every searchable type at once, in ONE statement (two for a broad term). Each table carries its search
 * text folded once at write time (`recherche`, a generated column with a trigram index; see the
 * migration `Migration20261206080000_recherche`), so matching is accent- and case-insensitive
 * without folding rows at query time. Visibility: the lists' scopes.
 *
 * Ranking, per type, in three tiers: the text starts with the query (the title comes first in it),
 * a word starts with it, it merely contains every word. Newest first inside a tier: a tier reads
 * its matches from the search indexes, up to CANDIDATES of them, and keeps the newest; a tier with
 * more (a broad term) is read again by walking the date index, newest first (WINDOW): bounded work
 * for « lef » (thousands of clients) as for « lefbervalmor » (a handful).
 */

interface Branch {
  type: RechercheType;
  /** `from … join …` with the main table aliased as in its list query. */
  from: string;
  /**
   * The main table alone (`from opportunites o`), when the scope and the match name only it: the
   * candidates are then read without the joins (a thousand candidates, a thousand joins fewer).
   */
  own?: string;
  alias: string;
  /** SQL of the columns titre, s1, s2, code (text each) and parent (int: a contact's client). */
  columns: string;
  created: string;
  /** The visibility scope. */
  scope: (where: Where, user: AuthUser) => Where;
  /** SQL array of the users whose scope includes a row (for the estimates: see rechercheEstimate.ts). */
  owners: string;
  /** Devis are also found by number. */
  byNumber?: boolean;
  map: (r: Row) => Pick<RechercheHit, 'titre' | 'sousTitre' | 'client'>;
}

interface TextQuery {
  /** The whole query (words joined by one space), when at least one word is long enough for the trigram indexes. */
  text: string | null;
  words: string[];
  /** A number in the query (an id, a devis number). */
  number: number | null;
}

const join = (...parts: Array<string | null | undefined>) => parts.filter((p) => p?.trim()).join(' · ');

const BRANCHES: Branch[] = [
  {
    type: 'clients',
    from: 'from clients c',
    alias: 'c',
    columns: `c.nom as titre, c.societe as s1, c.email as s2, null::text as code, null::int as parent`,
    created: 'c.date_creation',
    scope: (where, user) => scopeByClient(where, user),
    owners: 'array[c.responsable_id]',
    map: (r) => ({ titre: r.titre, sousTitre: join(r.s1, r.s2) }),
  },
  {
    // People of the clients the caller sees (visible like their client), by name and e-mail.
    type: 'contacts',
    from: 'from contacts k join clients c on c.id = k.client_id',
    alias: 'k',
    columns: `btrim(k.prenom || ' ' || k.nom) as titre, c.nom as s1, k.email as s2, null::text as code, k.client_id as parent`,
    created: 'k.date_creation',
    scope: (where, user) => scopeByClient(where, user),
    owners: 'array[c.responsable_id]',
    map: (r) => ({ titre: r.titre, sousTitre: join(r.s1, r.s2), client: r.parent }),
  },
  {
    type: 'opportunites',
    from: 'from opportunites o join clients c on c.id = o.client_id',
    own: 'from opportunites o',
    alias: 'o',
    columns: `o.nom as titre, c.nom as s1, null::text as s2, o.etape::text as code, null::int as parent`,
    created: 'o.date_creation',
    scope: (where, user) => scopeByClientId(where, user, 'o'),
    owners: 'array[o.proprietaire_id]',
    map: (r) => ({ titre: r.titre, sousTitre: join(r.s1, LABELS.etape[r.code as keyof typeof LABELS.etape]) }),
  },
  {
    type: 'projets',
    from: 'from projets p join clients c on c.id = p.client_id',
    own: 'from projets p',
    alias: 'p',
    columns: `p.titre as titre, c.nom as s1, null::text as s2, p.statut::text as code, null::int as parent`,
    created: 'p.date_creation',
    scope: (where, user) => scopeByClientId(where, user, 'p'),
    owners: 'array[p.proprietaire_id]',
    map: (r) => ({
      titre: r.titre,
      sousTitre: join(r.s1, LABELS.projetStatut[r.code as keyof typeof LABELS.projetStatut]),
    }),
  },
  {
    type: 'taches',
    from: 'from taches t left join clients c on c.id = t.client_id',
    own: 'from taches t',
    alias: 't',
    columns: `t.titre as titre, c.nom as s1, to_char(t.date_echeance, 'YYYY-MM-DD') as s2, t.statut::text as code, null::int as parent`,
    created: 't.date_creation',
    scope: (where, user) => scopeTaches(where, user),
    owners: 'array[t.assigne_a_id, t.proprietaire_id]',
    map: (r) => ({
      titre: r.titre,
      sousTitre: join(
        r.s1,
        LABELS.tacheStatut[r.code as keyof typeof LABELS.tacheStatut],
        r.s2 ? `échéance ${formatDate(r.s2)}` : null,
      ),
    }),
  },
  {
    type: 'devis',
    from: 'from devis d join opportunites o on o.id = d.opportunite_id join clients c on c.id = o.client_id',
    own: 'from devis d',
    alias: 'd',
    columns: `'Devis n° ' || d.id || ' v' || d.version as titre, o.nom as s1, c.nom as s2, d.statut::text as code, null::int as parent`,
    created: 'd.date_creation',
    scope: (where, user) => scopeByClientId(where, user, 'd'),
    owners: 'array[d.proprietaire_id]',
    byNumber: true,
    map: (r) => ({
      titre: r.titre,
      sousTitre: join(r.s1, r.s2, LABELS.devisStatut[r.code as keyof typeof LABELS.devisStatut]),
    }),
  },
];

const MAX_INT4 = 2_147_483_647;
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Words of a query searched at most. */
const MAX_WORDS = 5;

/** Parses the query: its words (at most MAX_WORDS; searched only if one reaches the trigram length) and a number in it. */
export function parseQuery(q: string): TextQuery {
  const words = q.split(/\s+/).filter(Boolean).slice(0, MAX_WORDS);
  const longEnough = words.some((w) => [...w].length >= RECHERCHE_MIN_LENGTH);
  // « 12 », « n°12 », « D12 », « devis 12 »: a devis number.
  const m = /^(?:devis\s*)?(?:n°\s*|d)?(\d{1,10})$/i.exec(q.trim());
  const n = m ? Number(m[1]) : null;
  return {
    text: longEnough ? words.join(' ') : null,
    words: longEnough ? words : [],
    number: n !== null && n >= 1 && n <= MAX_INT4 ? n : null,
  };
}

/**
 * Matches read per type and tier from the search indexes. A GIN index hands its matches over in the
 * table's physical order (about the oldest first), never by date: up to this many, all of them are
 * read and the newest kept (exact). A term matching more is broad: see WINDOW.
 */
const CANDIDATES = 1000;
/**
 * A tier expected (rechercheEstimate.ts) to hold at most EXACT_UP_TO matches the caller sees reads up
 * to MAX_CANDIDATES of them, all in practice, instead of CANDIDATES: sorting 1 000–3 000 matches
 * read through the search index (~1.5 µs each) costs less than walking the newest rows for a term
 * that sparse (« 153 »: 1 111 opportunités, 11 of them in the WINDOW newest, 10 ms per walk). With
 * ~1 000 sampled rows per type, a term estimated under 2 000 that really matches over 3 000 is rare;
 * it then reads 3 000 candidates and walks, as a broad term does.
 */
const EXACT_UP_TO = 2_000;
const MAX_CANDIDATES = 3_000;
const candidatesFor = (est: TierEstimate | undefined) => (est && est.seen <= EXACT_UP_TO ? MAX_CANDIDATES : CANDIDATES);

/**
 * For a broad term (more than CANDIDATES matches), a second statement walks the newest rows of the
 * type (the caller's own rows, when their visibility is one column of the table: a commercial's
 * clients, opportunités, projets, devis) along the creation-date index, newest first, until the
 * tier has its hits: a term that broad is dense, so the walk meets them within a few hundred or
 * thousand rows. The walk stops at this many rows: only when even these hold too few matches (a
 * broad term whose matches are all old) do the candidates' newest fill the rest, the one case
 * still approximate.
 */
const WINDOW = 5_000;

/** One tier of one type, as searched: what the walk of a broad term needs. */
interface Tier {
  b: Branch;
  rank: number;
  /** The tier's match, not scoped (the scope is the caller's: see tierSelect and walkSelect). */
  match: Where;
  /**
   * The match as the search index reads it (`index`) and what is only tested on the rows it
   * gives (`after`: the rest tier's « no word starts with the term », a to_tsvector of each row),
   * when they differ: a fenced read tests `after` after the caller's scope, on their rows only.
   */
  split?: { index: Where; after: Where };
  limit: number;
  /** Matches read from the search index at most (CANDIDATES unless the estimate allows more: see candidatesFor). */
  cap?: number;
}

/** `where` of both: `a`'s clauses (as they are, or their plain forms) and then `b`'s. */
function whereOf(a: { text: string; params: unknown[] }, b: Where): { text: string; params: unknown[] } {
  const parts = [a.text.replace(/^where /, ''), ...b.parts].filter(Boolean);
  return { text: parts.length ? `where ${parts.join(' and ')}` : '', params: [...a.params, ...b.params] };
}

/**
 * How a tier's rows are read, chosen from the estimate of its matches (rechercheEstimate.ts):
 * - `walk`: the caller's newest rows along the date index, each tested (walkSelect): the term is
 *   dense there, so the tier's hits come within a few hundred rows, where the search index would
 *   hand over thousands of matches (« che » is in every « tâche »);
 * - `fenced`: the search index's matches, the caller's scope tested on them (few matches);
 * - `anded`: the search index's matches intersected with the index of the caller's rows (many
 *   matches, few of them the caller's: a commercial's « lef », when their clients have none).
 */
export type Form = 'walk' | 'fenced' | 'anded';

/** A tier whose hits are expected within this many rows of its walk is walked at once. */
const WALK_FIRST_ROWS = 500;
/**
 * A term is read through the search index alone, the scope tested on each match (`fenced`), when
 * it is expected to match at most this share of the rows the caller sees: visiting a match's row
 * costs about as much as putting this many of the caller's rows in the bitmap `anded` builds
 * (measured with bench/forms.ts: 2 to 8 µs a row, with its rechecks, against 0.05 to 0.1 µs an entry).
 */
const FENCE_SHARE = 1 / 80;

function formOf(est: TierEstimate | undefined, limit: number, scoped: boolean): Form {
  if (!est) return 'anded';
  // At least a few sampled hits: one or two say little about the density.
  if (est.hits >= 3 && limit / est.density <= WALK_FIRST_ROWS) return 'walk';
  return scoped && est.matches <= est.visible * FENCE_SHARE ? 'fenced' : 'anded';
}

/**
 * The caller's scope on a type, when it is one column of the main table (`c.responsable_id = ?`):
 * that column leads an index by date, so a walk reads only the caller's rows. Else null.
 */
function ownColumn(b: Branch, user: AuthUser): Where | null {
  const own = b.scope(new Where(), user);
  const single = own.parts.length === 1 && !own.branches && new RegExp(`^${b.alias}\\.\\w+ = \\?$`).test(own.parts[0]!);
  return single ? own : null;
}

/** The columns a fenced tier reads from each match: its id, its date and what `tested` (its scope, …) names. */
function fencedColumns(b: Branch, tested: string): string {
  const refs = [
    `${b.alias}.id`,
    b.created,
    ...[...tested.matchAll(new RegExp(`\\b${b.alias}\\.\\w+`, 'g'))].map((m) => m[0]),
  ];
  return [...new Set(refs)].join(', ');
}

/**
 * `select` of one tier of one type: the newest `limit` of its first CANDIDATES matches the caller
 * may see (rows of `type`, `rank`, the columns, `starts`: the text starts with the query, param
 * `starts`; `broad`: the term had more matches than that, see WINDOW).
 *
 * `fenced`: the caller's scope is tested on the rows the search index gives, not intersected with
 * the index of their rows. The plan is generic (see GENERIC_PLANS), and a generic plan built the
 * bitmap of every row of the caller (the 60 000 tâches of a commercial, their 20 000 opportunités)
 * even for a term matching one row: about half the database time of a commercial's search for a
 * number. A subquery with `offset 0` keeps the scope out of the scan. (Contacts, whose scope is
 * their client's, keep it in the join.)
 */
function tierSelect(t: Tier, user: AuthUser, starts: unknown, params: unknown[], form: Form = 'anded'): string {
  const { b, rank } = t;
  const a = b.alias;
  const scope = b.scope(new Where(), user);
  const base = b.own ?? b.from;
  const fenced = form === 'fenced' && scope.parts.length > 0 && !/\bjoin\b/.test(base);
  // Fenced: the search index's part of the match in the scan, then the scope and the rest of the
  // match on its rows (PostgreSQL tests the cheap scope first: a row not the caller's costs no
  // to_tsvector, 12 µs a row, most of a commercial's rest tier on 500 candidates).
  const inner = fenced && t.split ? t.split.index : t.match;
  const outer = whereOf({ text: `${scope}`, params: scope.params }, fenced && t.split ? t.split.after : new Where());
  const where = fenced
    ? { text: `${inner}`, params: inner.params }
    : whereOf({ text: `${t.match}`, params: t.match.params }, scope);
  const cap = t.cap ?? CANDIDATES;
  params.push(starts, cap, ...where.params, ...(fenced ? outer.params : []), cap + 1, t.limit);
  const candidates = fenced
    ? `select ${a}.id, ${b.created} as created from (select ${fencedColumns(b, outer.text)} ${base} ${where.text} offset 0) ${a} ${outer.text} limit ?`
    : `select ${a}.id, ${b.created} as created ${base} ${where.text} limit ?`;
  // The few rows kept are joined for their columns afterwards (not the thousand candidates).
  return `(select '${b.type}'::text as type, ${rank} as rank, ${a}.id, ${b.columns}, ${ISO_UTC(b.created)} as date,
    ${a}.recherche like ? as starts, m.n > ?::int as broad
    ${b.from} join (select id, created, n from (select id, created, count(*) over () as n
        from (${candidates}) m0) m1
      order by created desc, id desc limit ?) m on m.id = ${a}.id)`;
}

/**
 * `select` of the walk of one tier (see WINDOW): the newest rows from the date index, in that order,
 * tested one by one until `limit` hits (the walk is a subquery with its own order and limit, so the
 * planner cannot turn it into a collect of every match through the search indexes and a sort, a
 * whole table's worth for a term this broad). The tests are the match's plain forms
 * (Where.unindexed: cheap substring tests first), then the scope. A type whose rows are read with
 * a join (contacts: their client's scope) has the newest ids read index-only and each tested in a
 * lateral subquery.
 */
function walkSelect(t: Tier, user: AuthUser, starts: unknown, params: unknown[]): string {
  const { b, rank } = t;
  const a = b.alias;
  const own = ownColumn(b, user);
  const test = whereOf(t.match.unindexed(), own ? new Where() : b.scope(new Where(), user));
  const base = b.own ?? b.from;
  const table = /^from (\w+) \w+/.exec(base)![1];
  params.push(starts, ...(own ? own.params : []), ...test.params, t.limit);
  const newest = (columns: string) => `select ${columns} from ${table} ${a}${own ? ` where ${own.parts[0]}` : ''}
               order by ${b.created} desc, ${a}.id desc limit ${WINDOW}`;
  const walked = !/\bjoin\b/.test(base)
    ? // The tests name only the table's own columns: they run on the rows as the date index hands
      // them over (the newest first, in one heap visit each: ~10 pages for the 300 newest clients),
      // where looking each id up again by its key read 3 pages a row (« rou »: 882 pages → 31).
      `select ${a}.id, ${b.created} as created
        from (${newest(`${a}.*`)}) ${a}
        ${test.text}
        order by ${b.created} desc, ${a}.id desc limit ?`
    : `select w.id, w.created
        from (${newest(`${a}.id, ${b.created} as created`)}) w
        cross join lateral (select 1 ${base} where ${a}.id = w.id${test.text.replace(/^where /, ' and ')} limit 1) f
        order by w.created desc, w.id desc limit ?`;
  return `(select '${b.type}'::text as type, ${rank} as rank, ${a}.id, ${b.columns}, ${ISO_UTC(b.created)} as date,
    ${a}.recherche like ? as starts, false as broad
    ${b.from} join (${walked}) m on m.id = ${a}.id)`;
}

/**
 * Every word of the query starts a word of the text: a prefix full-text query on the folded text
 * (GIN index on `to_tsvector('simple', recherche)`). A trigram index cannot answer this: the
 * trigrams of « tac » are in every « contact… » e-mail, none of which has a word starting with it.
 */
const WORDS_START = (alias: string) => `to_tsvector('simple', ${alias}.recherche) @@ to_tsquery('simple', ?)`;
/**
 * The tiers' rows in ONE statement (prepared: planned once per connection, see GENERIC_PLANS): the
 * best tiers (`first`), then each type's other matches (`rest`), which PostgreSQL runs only for the
 * types the best tiers left short of `limite` hits (a one-time filter on their count).
 */
function tiersStatement(
  first: string[],
  rest: Array<{ type: string; select: string }>,
  params: unknown[],
  restParams: unknown[][],
  limite: number,
): { text: string; params: unknown[] } {
  const all = [...params];
  const others = rest.map((r, i) => {
    all.push(...restParams[i], limite);
    return `(select * from ${r.select} b where (select count(*) from r1 where r1.type = '${r.type}') < ?)`;
  });
  const text = `with r1 as materialized (select * from (${first.join(' union all ')}) h)
    select * from r1${others.length ? ` union all ${others.join(' union all ')}` : ''}`;
  return { text, params: all };
}

/**
 * The search's statements run with generic plans: each pooled connection plans a statement once,
 * whatever the term. Planning the union of a dozen indexed branches with the term's values cost as
 * much as running it (2.5–6 ms of the 9 ms of database time of a search), and PostgreSQL's own
 * choice (`auto`) kept planning for each term. The generic plan is the same one for a common and a
 * rare term: each branch reads at most CANDIDATES rows from its GIN index, which no term changes.
 */
const GENERIC_PLANS = { plan_cache_mode: 'force_generic_plan' };

/** The tsquery of words each starting a word, folded (the terms reach SQL folded: see lib/sql/fold.ts). */
const prefixQuery = (words: string[]) =>
  crmFold(words.map((w) => `'${w.replace(/\\/g, '\\\\').replace(/'/g, "''")}':*`).join(' & '));

/**
 * The estimates of both text tiers of each type for this caller and these words, from the
 * samples (rechercheEstimate.ts); none while the first samples load (the search then reads
 * every tier through the search index, scope intersected, as it did before the estimates).
 */
function estimatesFor(
  em: EntityManager,
  user: AuthUser,
  words: string[],
): Map<RechercheType, { 1: TierEstimate; 2: TierEstimate }> | null {
  const store = samplesOf(em);
  const samples = store.current(em, SAMPLED);
  if (!samples) return null;
  const folded = words.map((w) => crmFold(w));
  const staff = seesAll(user);
  return store.memoize(samples, `${staff ? 'staff' : user.id} ${folded.join(' ')}`, () => {
    const out = new Map<RechercheType, { 1: TierEstimate; 2: TierEstimate }>();
    for (const b of BRANCHES) {
      const sample = samples.get(b.type);
      if (sample) out.set(b.type, estimateTiers(sample, folded, { id: user.id, staff }, ownColumn(b, user) !== null));
    }
    return out;
  });
}

/** Loads the search's samples now (tests, the bench: the next search has its estimates). */
export const loadSearchSamples = (em: EntityManager) => samplesOf(em).ready(em, SAMPLED);

/** What each type's sample is read from. */
const SAMPLED: SampledType[] = BRANCHES.map((b) => ({
  type: b.type,
  from: b.own ?? b.from,
  alias: b.alias,
  owners: b.owners,
}));

/** The values a type's statement holds (see typeStatement): a search's own, or slots (see Slot). */
interface Fill {
  /** The folded query followed by `%` (`starts`). */
  starts: unknown;
  /** The prefix tsquery of the words. */
  wordsStart: unknown;
  /** Each word as a folded `like` pattern. */
  contains: unknown[];
  /** The number in the query (a devis). */
  number: unknown;
  user: AuthUser;
}

/** How a type's text tiers are read (see Form) and how many matches each reads (see candidatesFor). */
interface TextPlan {
  forms: [Form, Form];
  caps: [number, number];
}

/** The number tier: a devis by its number. */
const numberTier = (b: Branch, v: Fill): Tier => ({
  b,
  rank: 0,
  match: new Where().add(`${b.alias}.id = ?`, v.number),
  limit: 1,
});

/** The limit of a text tier (rank 1 reads more rows than shown: titles starting with the query go first). */
const tierLimit = (rank: 1 | 2, limite: number) => (rank === 1 ? Math.min(limite * 3, 60) : limite);

/**
 * The text tiers of a type: 1. a word starts with each word of the query; 2. the other matches (every
 * word anywhere in the text), run only when the first tiers leave the type short of hits.
 */
function textTiers(b: Branch, v: Fill, limite: number, plan: TextPlan): [Tier, Tier] {
  // A walk (a broad term) tests each word as a substring first, cheaper than the word test.
  const match = new Where().addWithPlainForm(
    WORDS_START(b.alias),
    [v.wordsStart],
    [...v.contains.map(() => `${b.alias}.recherche like ?`), WORDS_START(b.alias)].join(' and '),
    [...v.contains, v.wordsStart],
  );
  const other = new Where();
  const index = new Where();
  for (const pattern of v.contains) {
    other.add(`${b.alias}.recherche like ?`, pattern);
    index.add(`${b.alias}.recherche like ?`, pattern);
  }
  other.add(`not ${WORDS_START(b.alias)}`, v.wordsStart);
  const after = new Where().add(`not ${WORDS_START(b.alias)}`, v.wordsStart);
  return [
    { b, rank: 1, match, limit: tierLimit(1, limite), cap: plan.caps[0] },
    { b, rank: 2, match: other, split: { index, after }, limit: tierLimit(2, limite), cap: plan.caps[1] },
  ];
}

const selectOf = (t: Tier, v: Fill, params: unknown[], f: Form) =>
  f === 'walk' ? walkSelect(t, v.user, v.starts, params) : tierSelect(t, v.user, v.starts, params, f);

/** The statement of one type: its number tier, its first text tier, and its rest tier (see tiersStatement). */
function typeStatement(
  b: Branch,
  v: Fill,
  hasNumber: boolean,
  plan: TextPlan | null,
  limite: number,
): { text: string; params: unknown[] } {
  const selects: string[] = [];
  const params: unknown[] = [];
  if (hasNumber) selects.push(tierSelect(numberTier(b, v), v.user, v.starts, params));
  const rest: Array<{ type: string; select: string }> = [];
  const restParams: unknown[][] = [];
  if (plan) {
    const [t1, t2] = textTiers(b, v, limite, plan);
    selects.push(selectOf(t1, v, params, plan.forms[0]));
    const p: unknown[] = [];
    rest.push({ type: b.type, select: selectOf(t2, v, p, plan.forms[1]) });
    restParams.push(p);
  }
  return tiersStatement(selects, rest, params, restParams, limite);
}

/**
 * A value of a statement template: what `read` takes from the search's values. A type's statement
 * is the same text for every search of the same shape (type, the caller's role, a number or not,
 * how many words, the tiers' forms and candidates, `limite`); only the values differ. Built with
 * slots once per shape, then filled in: building it per search (six texts of ~2 kB, a few dozen
 * `Where`s) was ~10 % of a search's CPU and ~110 kB of its garbage.
 */
class Slot {
  constructor(readonly read: (v: Fill) => unknown) {}
}
const SLOTS = {
  starts: new Slot((v) => v.starts),
  wordsStart: new Slot((v) => v.wordsStart),
  number: new Slot((v) => v.number),
  userId: new Slot((v) => v.user.id),
  contains: Array.from({ length: MAX_WORDS }, (_, i) => new Slot((v) => v.contains[i])),
};
const templates = new Map<string, { text: string; params: unknown[] }>();

/** The statement of type `b` for the search's values `v` (see typeStatement), from its shape's template. */
function statementOf(
  b: Branch,
  v: Fill,
  hasNumber: boolean,
  plan: TextPlan | null,
  limite: number,
): { text: string; params: unknown[] } {
  const words = v.contains.length;
  const key = `${b.type} ${v.user.role} ${hasNumber ? 'n' : '-'} ${words} ${plan ? `${plan.forms} ${plan.caps}` : '-'} ${limite}`;
  let tpl = templates.get(key);
  if (!tpl) {
    const slots: Fill = {
      starts: SLOTS.starts,
      wordsStart: SLOTS.wordsStart,
      number: SLOTS.number,
      contains: SLOTS.contains.slice(0, words),
      // The scopes read the user's role and put their id in the params (visibility.ts).
      user: { ...v.user, id: SLOTS.userId as unknown as number },
    };
    tpl = typeStatement(b, slots, hasNumber, plan, limite);
    if (templates.size >= 1_000) templates.clear();
    templates.set(key, tpl);
  }
  return { text: tpl.text, params: tpl.params.map((p) => (p instanceof Slot ? p.read(v) : p)) };
}

export async function recherche(
  em: EntityManager,
  user: AuthUser,
  input: { q: string; limite: number },
  /** `form`: every text tier read that way, whatever the estimates (tests: every form gives the same hits). */
  opts: { form?: Form | Partial<Record<RechercheType, Form>> } = {},
): Promise<RechercheOut> {
  const query = parseQuery(input.q);
  const limite = input.limite;
  const text = query.text === null ? null : likeEscape(query.text);
  const branches = BRANCHES.filter((b) => text !== null || (b.byNumber && query.number !== null));
  // `starts` (the text starts with the query: the title does) is computed on the rows returned only.
  const startsParam = text === null ? '' : crmFold(`${text}%`);

  // How each text tier is read (see Form), from the estimate of its matches for this caller.
  // (Also when the form is forced: the estimates size each tier's candidates, see candidatesFor.)
  const estimates = text === null ? null : estimatesFor(em, user, query.words);
  // (Every type's scope restricts a commercial and no one else: see visibility.ts.)
  const scoped = !seesAll(user);
  const estimate = (type: RechercheType, rank: 1 | 2) => estimates?.get(type)?.[rank];
  const formFor = (type: RechercheType, rank: 1 | 2): Form =>
    (typeof opts.form === 'object' ? opts.form[type] : opts.form) ??
    formOf(estimate(type, rank), tierLimit(rank, limite), scoped);

  // Each word as a substring (`like`), and every word starting a word (tsquery): the tiers' tests.
  const contains = query.words.map((w) => crmFold(`%${likeEscape(w)}%`));
  const wordsStart = prefixQuery(query.words);
  const values: Fill = { starts: startsParam, wordsStart, contains, number: query.number, user };

  // One statement per type, all sent in one message (readManyWithSettings): each type's forms vary
  // with its own estimates, and one statement for every type made a big plan per combination of
  // forms (37 for one commercial's bench queries, each planned once per pooled connection: 40 ms
  // cold). Per type, a few small plans.
  const statements: Array<{ text: string; params: unknown[] }> = [];
  const plans: Array<{ b: Branch; plan: TextPlan }> = [];
  for (const b of branches) {
    const hasNumber = Boolean(b.byNumber && query.number !== null);
    const plan: TextPlan | null =
      text === null
        ? null
        : {
            forms: [formFor(b.type, 1), formFor(b.type, 2)],
            caps: [candidatesFor(estimate(b.type, 1)), candidatesFor(estimate(b.type, 2))],
          };
    if (plan) plans.push({ b, plan });
    statements.push(statementOf(b, values, hasNumber, plan, limite));
  }
  // Each message travels with its planner settings in one round trip (readManyWithSettings).
  const found = statements.length ? (await readManyWithSettings<Row>(em, GENERIC_PLANS, statements)).flat() : [];
  const read = (text: string, p: unknown[]) => readWithSettings<Row>(em, GENERIC_PLANS, text, p);
  // 3. One more statement (prepared: a few shapes, one per set of tiers met) for the tiers the
  //    estimate got wrong: a broad term read through the search index (more matches than its
  //    candidates) is walked by date for its newest matches; a walk that came back short (the term
  //    is sparser than estimated) is read through the search index.
  const broad = new Set(found.filter((r) => r.broad).map((r) => `${r.type} ${r.rank}`));
  const n = (type: string, ranks: number[]) => found.filter((r) => r.type === type && ranks.includes(r.rank)).length;
  const againParams: unknown[] = [];
  const again: string[] = [];
  for (const { b, plan } of plans) {
    for (const rank of [1, 2] as const) {
      const f = plan.forms[rank - 1]!;
      // (A rank-2 tier ran only if its type's first tiers left it short.)
      const ran = rank === 1 || n(b.type, [0, 1]) < limite;
      const short = f === 'walk' && ran && n(b.type, [rank]) < tierLimit(rank, limite);
      if (!short && !(f !== 'walk' && broad.has(`${b.type} ${rank}`))) continue;
      const t = textTiers(b, values, limite, plan)[rank - 1]!;
      again.push(short ? tierSelect(t, user, startsParam, againParams) : walkSelect(t, user, startsParam, againParams));
    }
  }
  const rows = again.length
    ? [...found, ...(await read(`select * from (${again.join(' union all ')}) w`, againParams))]
    : found;

  // Best tier first (a devis number, a title starting with the query, a word starting with it,
  // the rest), then newest.
  const rank = (r: Row) => (r.rank === 0 ? 0 : r.rank === 1 ? (r.starts ? 1 : 2) : 3);
  rows.sort((a, b) => rank(a) - rank(b) || (a.date < b.date ? 1 : a.date > b.date ? -1 : b.id - a.id));
  const byType = new Map<RechercheType, RechercheHit[]>(branches.map((b) => [b.type, []]));
  for (const r of rows) {
    const hits = byType.get(r.type)!;
    if (hits.length >= limite || hits.some((h) => h.id === r.id)) continue;
    hits.push({ id: r.id, date: r.date, ...branches.find((x) => x.type === r.type)!.map(r) });
  }
  return {
    q: input.q,
    groupes: [...byType].map(([type, resultats]) => ({ type, libelle: RECHERCHE_LABELS[type], resultats })),
  };
}
