import type { EntityManager } from '@crm/db';
import { sql } from '../lib/sql/runner.js';
import { today as todayUtc } from '../lib/sql/values.js';
import { signal } from '../services/notifications.js';
import type { AppDeps } from '../deps.js';
import { defineJob } from './queue.js';

/** Overdue notices look back this many days (a tâche overdue for longer was already told, or predates the feature). */
const RETARD_WINDOW_DAYS = 7;

/**
 * "Due today" and "overdue" notices for the assignees of open tâches, in one statement. Each has a
 * key — `echeance:<tache>:<day>` on its due day, `retard:<tache>:<due date>` once it is past —
 * and the unique index on `cle` keeps exactly one per key however often and on however many
 * instances this runs (`on conflict do nothing`). Returns the number of notices written.
 */
export async function notifierEcheances(em: EntityManager, day: string = todayUtc()): Promise<number> {
  const rows = await sql<{ user_id: number }>(
    em,
    `insert into notifications (user_id, type, message, lien, cle)
     select t.assigne_a_id,
            case when t.date_echeance = d.jour then 'tache_echeance' else 'tache_retard' end,
            case when t.date_echeance = d.jour then 'Tâche « ' || t.titre || ' » à faire aujourd''hui'
                 else 'Tâche « ' || t.titre || ' » en retard (échéance le ' || to_char(t.date_echeance, 'DD/MM/YYYY') || ')' end,
            '/taches/' || t.id,
            case when t.date_echeance = d.jour then 'echeance:' || t.id || ':' || d.jour else 'retard:' || t.id || ':' || t.date_echeance end
       from (select ?::date as jour) d
       join taches t on t.statut <> 'terminee' and t.assigne_a_id is not null
                    and t.date_echeance between d.jour - ${RETARD_WINDOW_DAYS} and d.jour
     on conflict (cle) where cle is not null do nothing
     returning user_id`,
    [day],
  );
  signal(
    em,
    rows.map((r) => r.user_id),
  );
  return rows.length;
}

declare module './queue.js' {
  interface JobTypes {
    'notifications.echeances': Record<string, never>;
  }
}

/**
 * Every 15 minutes (pg-boss cron: one enqueue per tick across all instances, one worker runs it).
 * The unique keys make a rerun (retry, two ticks on one day) write nothing twice.
 */
export const echeancesJob = defineJob<'notifications.echeances', AppDeps>({
  name: 'notifications.echeances',
  cron: '*/15 * * * *',
  retryLimit: 2,
  async run(_data, _job, deps) {
    await (deps.orm.em.fork() as EntityManager).transactional((tem) => notifierEcheances(tem));
  },
});
