import { createRequire } from 'node:module';
import { Migration } from '@mikro-orm/migrations';

/** Schema of the background job queue (pg-boss), created once per database by migration. */
export const JOBS_SCHEMA = 'pgboss';

/**
 * The job queue's tables (pg-boss 10, schema version 24), created here rather than by pg-boss at
 * start: the API then only checks the version when it starts its queue (two statements), and the
 * queue tables exist in the same migration run as the tables whose transactions enqueue jobs.
 * pg-boss's own plan is used as is, minus its BEGIN/COMMIT (migrations already run in one).
 */
export class Migration20261206010000_pgboss extends Migration {
  override async up(): Promise<void> {
    const PgBoss = createRequire(import.meta.url)('pg-boss') as { getConstructionPlans(schema: string): string };
    const plan = PgBoss.getConstructionPlans(JOBS_SCHEMA).trim();
    if (!plan.startsWith('BEGIN;') || !plan.endsWith('COMMIT;'))
      throw new Error('unexpected pg-boss construction plan');
    this.addSql(plan.slice('BEGIN;'.length, -'COMMIT;'.length));
  }

  override async down(): Promise<void> {
    this.addSql(`drop schema if exists ${JOBS_SCHEMA} cascade;`);
  }
}
