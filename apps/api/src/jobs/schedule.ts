import type { EntityManager, MikroORM } from '@crm/db';
import { sql } from '../lib/db.js';
import { notifierEcheances } from './echeances.js';

const EVERY_MS = 15 * 60_000;

/**
 * Runs the due/overdue notices at start and every 15 minutes, in this process. With several
 * instances each tries; a transaction-scoped advisory lock lets one run at a time (the others skip
 * that round), and the notices' unique keys make any overlap harmless anyway.
 * Returns a function that stops the schedule.
 */
export function startEcheancesSchedule(orm: MikroORM, log: { warn: (o: object, msg: string) => void }, everyMs = EVERY_MS): () => void {
  const run = async () => {
    try {
      await (orm.em.fork() as EntityManager).transactional(async (tem) => {
        const [lock] = await sql<{ ok: boolean }>(tem, 'select pg_try_advisory_xact_lock(hashtext(?)) as ok', ['crm:jobs:echeances']);
        if (lock.ok) await notifierEcheances(tem);
      });
    } catch (err) {
      log.warn({ err }, 'due/overdue notices failed; next round will retry');
    }
  };
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  void run();
  return () => clearInterval(timer);
}
