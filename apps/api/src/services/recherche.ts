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
import { onSettingsConnection } from '../lib/sql/runner.js';
import { ISO_UTC } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { formatDate } from '../lib/pdf.js';
import type { Row } from './listing.js';
import { scopeByClient, scopeByClientId, scopeTaches } from './visibility.js';

/**
 * Global search: every searchable type at once, in ONE statement. Each table carries its search
 * text folded once at write time (`recherche`, a generated column with a trigram index; see the
 * migration `Migration20261206080000_recherche`), so matching is accent- and case-insensitive
 * without folding rows at query time. Visibility: the lists' scopes.
 *
 * Ranking, per type, in three tiers: the text starts with the query (the title comes first in it),
 * a word starts with it, it merely contains every word. Newest first inside a tier. Each tier is
 * its own `order by date_creation desc limit n`, which PostgreSQL answers from the trigram index
 * when there are few matches or by walking the date index when there are many: bounded work for
 * « lef » (thousands of clients) as for « lefbervalmor » (a handful).
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
    byNumber: true,
    map: (r) => ({
      titre: r.titre,
      sousTitre: join(r.s1, r.s2, LABELS.devisStatut[r.code as keyof typeof LABELS.devisStatut]),
    }),
  },
];

const MAX_INT4 = 2_147_483_647;
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Parses the query: its words (at most 5; searched only if one reaches the trigram length) and a number in it. */
export function parseQuery(q: string): TextQuery {
  const words = q.split(/\s+/).filter(Boolean).slice(0, 5);
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
 * Matches looked at per type and tier. The candidates come from the trigram index without any
 * order (so PostgreSQL never walks a date index hoping to meet matches early, which costs a whole
 * table scan when the matches are old or out of the caller's scope), at most this many, and the
 * newest of them are kept: exact recency up to this many matches, approximate beyond (a query
 * that broad is refined by typing on).
 */
const CANDIDATES = 1000;

/** `select` of one tier of one type: the newest `limit` of its first candidates. */
function tierSelect(b: Branch, rank: number, where: Where, user: AuthUser, limit: number, params: unknown[]): string {
  b.scope(where, user);
  params.push(...where.params, CANDIDATES, limit);
  // The few rows kept are joined for their columns afterwards (not the thousand candidates).
  return `(select '${b.type}'::text as type, ${rank} as rank, ${b.alias}.id, ${b.columns}, ${ISO_UTC(b.created)} as date,
    ${b.alias}.recherche like ? as starts
    ${b.from} join (select id, created from (select ${b.alias}.id, ${b.created} as created ${b.own ?? b.from} ${where} limit ?) m0
      order by created desc, id desc limit ?) m on m.id = ${b.alias}.id)`;
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

export async function recherche(
  em: EntityManager,
  user: AuthUser,
  input: { q: string; limite: number },
): Promise<RechercheOut> {
  const query = parseQuery(input.q);
  const limite = input.limite;
  const text = query.text === null ? null : likeEscape(query.text);
  const branches = BRANCHES.filter((b) => text !== null || (b.byNumber && query.number !== null));
  // `starts` (the text starts with the query: the title does) is computed on the rows returned only.
  const startsParam = text === null ? '' : crmFold(`${text}%`);

  // 1. A word starts with the query (or a devis number): the best tiers, from one statement. More
  //    rows than shown are fetched so that titles starting with the query can go first.
  const selects: string[] = [];
  const params: unknown[] = [];
  for (const b of branches) {
    if (b.byNumber && query.number !== null) {
      params.push(startsParam);
      selects.push(tierSelect(b, 0, new Where().add(`${b.alias}.id = ?`, query.number), user, 1, params));
    }
    if (text !== null) {
      params.push(startsParam);
      const where = new Where().add(WORDS_START(b.alias), prefixQuery(query.words));
      selects.push(tierSelect(b, 1, where, user, Math.min(limite * 3, 60), params));
    }
  }
  // 2. For the types the first tiers leave short of hits (decided in the same statement): the other
  //    matches (every word anywhere in the text).
  const rest: Array<{ type: string; select: string }> = [];
  const restParams: unknown[][] = [];
  if (text !== null) {
    for (const b of branches) {
      const p: unknown[] = [startsParam];
      const where = new Where();
      for (const word of query.words) where.add(`${b.alias}.recherche like ?`, crmFold(`%${likeEscape(word)}%`));
      where.add(`not ${WORDS_START(b.alias)}`, prefixQuery(query.words));
      rest.push({ type: b.type, select: tierSelect(b, 2, where, user, limite, p) });
      restParams.push(p);
    }
  }
  const statement = selects.length ? tiersStatement(selects, rest, params, restParams, limite) : null;
  const rows = statement
    ? await onSettingsConnection(em, GENERIC_PLANS, (db) =>
        db<Row>(statement.text, statement.params, { prepare: true }),
      )
    : [];

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
