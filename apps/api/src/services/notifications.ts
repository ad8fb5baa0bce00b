import type { EntityManager } from '@crm/db';
import type { NotificationOut, NotificationType, Page } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { columns } from '../lib/sql/columns.js';
import { ISO_UTC } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { notFound } from '../lib/errors.js';
import { intArrayLiteral, textArrayLiteral } from '../lib/pgArrays.js';
import { afterCommit, userEventHubOf } from '../lib/userEvents.js';
import { formatDateFr } from './evenements.js';

/**
 * In-app notifications. `notify` writes one inside the caller's transaction (pass the
 * transaction's EntityManager) and, once committed, signals the user's open streams (SSE) on
 * every instance. Nobody is told about their own action.
 */
export interface NotificationInput {
  user: number | null | undefined;
  type: NotificationType;
  message: string;
  /** SPA path of what it is about (`/taches/12`). */
  lien: string;
  /** The user whose action caused it: not notified of it. */
  actor?: number | null;
}

/** The notice of a tâche assigned to `user` (single writes and bulk reassignments alike). */
export function tacheAssigneeNotice(
  user: number | null | undefined,
  actor: number,
  t: { id: number; titre: string; echeance: string | Date },
): NotificationInput {
  return {
    user,
    actor,
    type: 'tache_assignee',
    message: `Tâche « ${t.titre} » vous a été assignée (échéance ${formatDateFr(t.echeance)})`,
    lien: `/taches/${t.id}`,
  };
}

export async function notify(em: EntityManager, n: NotificationInput): Promise<void> {
  if (n.user == null || n.user === n.actor) return;
  await sql(em, 'insert into notifications (user_id, type, message, lien) values (?, ?, ?, ?)', [
    n.user,
    n.type,
    n.message,
    n.lien,
  ]);
  signal(em, [n.user]);
}

/** Tells the users' open streams (after commit) that their notifications changed. */
export function signal(em: EntityManager, userIds: number[]): void {
  const hub = userEventHubOf(em);
  if (hub && userIds.length) afterCommit(em, () => void hub.publish(userIds));
}

const NOTIFICATION_COLUMNS = columns<NotificationOut>({
  id: { sql: 'n.id', read: Number },
  type: 'n.type',
  message: 'n.message',
  lien: 'n.lien',
  lue: 'n.date_lecture is not null',
  dateCreation: ISO_UTC('n.date_creation'),
  dateLecture: ISO_UTC('n.date_lecture'),
});

/** The caller's own notifications, newest first; two statements (count, page) whatever the page size. */
export async function listNotifications(
  em: EntityManager,
  user: AuthUser,
  input: { page: number; pageSize: number; nonLues?: boolean },
): Promise<Page<NotificationOut>> {
  const where = new Where().add('n.user_id = ?', user.id);
  if (input.nonLues === true) where.add('n.date_lecture is null');
  if (input.nonLues === false) where.add('n.date_lecture is not null');
  const offset = (input.page - 1) * input.pageSize;
  const [{ n }] = await sql<{ n: number }>(em, `select count(*)::int as n from notifications n ${where}`, where.params);
  const rows =
    n > offset
      ? await sql(
          em,
          `select ${NOTIFICATION_COLUMNS.select} from notifications n ${where} order by n.id desc limit ? offset ?`,
          [...where.params, input.pageSize, offset],
        )
      : [];
  return { count: n, page: input.page, pageSize: input.pageSize, results: rows.map(NOTIFICATION_COLUMNS.map) };
}

export async function countUnread(em: EntityManager, userId: number): Promise<number> {
  const row = await sqlOne<{ n: number }>(
    em,
    'select count(*)::int as n from notifications where user_id = ? and date_lecture is null',
    [userId],
  );
  return row!.n;
}

/** `POST /notifications/{id}/lue/`: idempotent (the first reading date stays); another user's → 404. */
export async function markRead(em: EntityManager, user: AuthUser, id: number): Promise<NotificationOut> {
  const rows = await sql(
    em,
    `update notifications n set date_lecture = coalesce(n.date_lecture, now()) where n.id = ? and n.user_id = ? returning ${NOTIFICATION_COLUMNS.select}`,
    [id, user.id],
  );
  if (!rows.length) throw notFound();
  signal(em, [user.id]);
  return NOTIFICATION_COLUMNS.map(rows[0]);
}

/** `POST /notifications/tout-lu/`: every unread notification of the caller, in one statement. */
export async function markAllRead(em: EntityManager, user: AuthUser): Promise<{ marquees: number; nonLues: number }> {
  const rows = await sql(
    em,
    'update notifications set date_lecture = now() where user_id = ? and date_lecture is null returning id',
    [user.id],
  );
  signal(em, [user.id]);
  return { marquees: rows.length, nonLues: 0 };
}

/** Many notices in one statement (bulk actions), in the caller's transaction; nobody is told about their own action. */
export async function notifyMany(em: EntityManager, notices: NotificationInput[]): Promise<void> {
  const kept = notices.filter((n) => n.user != null && n.user !== n.actor);
  if (!kept.length) return;
  await sql(
    em,
    'insert into notifications (user_id, type, message, lien) select * from unnest(?::int[], ?::text[], ?::text[], ?::text[])',
    [
      intArrayLiteral(kept.map((n) => n.user!)),
      textArrayLiteral(kept.map((n) => n.type)),
      textArrayLiteral(kept.map((n) => n.message)),
      textArrayLiteral(kept.map((n) => n.lien)),
    ],
  );
  signal(em, [...new Set(kept.map((n) => n.user!))]);
}
