import type { EntityManager } from '@crm/db';
import { MEMORY_LABELS, type ActiviteType, type TimelineItem, type TimelinePage } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { sql } from '../lib/sql/runner.js';
import { ISO_UTC } from '../lib/sql/values.js';
import { fieldError, notFound } from '../lib/errors.js';
import { renderMarkdown } from '../lib/markdown.js';
import { userName, type Row } from './listing.js';
import { visibleParent } from './refs.js';

/**
 * The timeline of a client or an opportunité: its activities and recorded events, newest first,
 * one statement per page whatever the mix. Order: (date, rank, id) descending, rank 1 for
 * activities and 0 for events (ties at the same microsecond stay deterministic). The cursor is
 * the last row's key; each branch seeks it on its (parent, date desc, id desc) index and reads at
 * most pageSize + 1 rows, so a page costs the same on a client with 10 rows or 100 000.
 */
type Parent = 'client' | 'opportunite';
interface Cursor {
  date: string;
  rank: number;
  id: number;
}

const RANK = { activite: 1, evenement: 0 } as const;

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.date, c.rank, c.id])).toString('base64url');
}

export function decodeCursor(s: string): Cursor {
  try {
    const [date, rank, id] = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown[];
    if (
      typeof date === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(date) &&
      !Number.isNaN(Date.parse(date)) &&
      (rank === 0 || rank === 1) &&
      Number.isSafeInteger(id) &&
      (id as number) > 0
    ) {
      return { date, rank, id: id as number };
    }
  } catch {
    /* below */
  }
  throw fieldError('cursor', 'err.cursor');
}

/** Rows of one branch strictly after the cursor in (date, rank, id) descending order. */
function seek(alias: string, rank: number, cursor: Cursor | undefined): { sql: string; params: unknown[] } {
  if (!cursor) return { sql: '', params: [] };
  if (rank < cursor.rank) return { sql: ` and ${alias}.date <= ?::timestamptz`, params: [cursor.date] };
  if (rank > cursor.rank) return { sql: ` and ${alias}.date < ?::timestamptz`, params: [cursor.date] };
  return { sql: ` and (${alias}.date, ${alias}.id) < (?::timestamptz, ?)`, params: [cursor.date, cursor.id] };
}

const MICRO_UTC = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export async function timeline(
  em: EntityManager,
  user: AuthUser,
  parent: Parent,
  parentId: number,
  input: { cursor?: string; pageSize: number },
): Promise<TimelinePage> {
  const cursor = input.cursor ? decodeCursor(input.cursor) : undefined;
  const limit = input.pageSize + 1;
  const column = parent === 'client' ? 'client_id' : 'opportunite_id';
  const check = visibleParent(user, parent, parentId);
  const sa = seek('a', RANK.activite, cursor);
  const se = seek('e', RANK.evenement, cursor);
  // The parent check is the driving row: a visible parent without items still answers one row
  // (items null), an invisible one answers ok = false — 404, in the same statement.
  const rows = await sql(
    em,
    `select p.ok, x.* from (select exists(${check.sql}) as ok) p
     left join lateral (
       select y.kind, y.rank, y.id, y.type, ${ISO_UTC('y.date')} as date_iso, ${MICRO_UTC('y.date')} as date_key, y.auteur_id,
              ${userName('u')} as auteur_nom, y.client_id, y.opportunite_id, y.sujet, y.contenu, y.resume, y.donnees from (
         (select 'activite' as kind, ${RANK.activite} as rank, a.id, a.type, a.date, a.auteur_id, a.client_id, a.opportunite_id,
                 a.sujet, a.contenu, null::text as resume, null::jsonb as donnees
            from activites a where a.${column} = ?${sa.sql} order by a.date desc, a.id desc limit ?)
         union all
         (select 'evenement', ${RANK.evenement}, e.id, e.type, e.date, e.auteur_id, e.client_id, e.opportunite_id,
                 null, null, e.resume, e.donnees
            from evenements e where e.${column} = ?${se.sql} order by e.date desc, e.id desc limit ?)
       ) y left join users u on u.id = y.auteur_id
       order by y.date desc, y.rank desc, y.id desc limit ?
     ) x on p.ok`,
    [...check.params, parentId, ...sa.params, limit, parentId, ...se.params, limit, limit],
  );
  if (!rows[0]?.ok) throw notFound();
  const items = rows.filter((r) => r.id !== null);
  const page = items.slice(0, input.pageSize);
  const last = page[page.length - 1];
  return {
    results: page.map(toItem),
    next:
      items.length > input.pageSize && last
        ? encodeCursor({ date: last.date_key, rank: last.rank, id: Number(last.id) })
        : null,
  };
}

function toItem(r: Row): TimelineItem {
  const activite = r.kind === 'activite';
  return {
    kind: r.kind,
    id: Number(r.id),
    type: r.type,
    date: r.date_iso,
    auteur: r.auteur_id,
    auteurNom: r.auteur_id === null ? null : r.auteur_nom,
    resume: activite ? `${MEMORY_LABELS.activiteType[r.type as ActiviteType]} : ${r.sujet}` : r.resume,
    client: r.client_id,
    opportunite: r.opportunite_id,
    sujet: activite ? r.sujet : null,
    contenu: activite ? r.contenu : null,
    contenuHtml: activite ? renderMarkdown(r.contenu) : null,
    donnees: activite ? null : (r.donnees ?? {}),
  };
}
