import pg from 'pg';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { allEntities } from './entities/index.js';
import { Migration20261125000000_init } from './migrations/Migration20261125000000_init.js';
import { Migration20261125120000_devis_search } from './migrations/Migration20261125120000_devis_search.js';
import { Migration20261125140000_open_opportunites_idx } from './migrations/Migration20261125140000_open_opportunites_idx.js';
import { Migration20261125150000_dashboard_perf } from './migrations/Migration20261125150000_dashboard_perf.js';
import { Migration20261206010000_pgboss } from './migrations/Migration20261206010000_pgboss.js';
import { Migration20261206030000_integrity } from './migrations/Migration20261206030000_integrity.js';
import { Migration20261206031000_fold_any_locale } from './migrations/Migration20261206031000_fold_any_locale.js';
import { Migration20261206090000_platform } from './migrations/Migration20261206090000_platform.js';
import { Migration20261206090100_webhooks } from './migrations/Migration20261206090100_webhooks.js';

// `date` columns stay 'YYYY-MM-DD' strings (no timezone shift through JS Date).
pg.types.setTypeParser(1082, (v: string) => v);

export const migrationsList = [
  { name: 'Migration20261125000000_init', class: Migration20261125000000_init },
  { name: 'Migration20261125120000_devis_search', class: Migration20261125120000_devis_search },
  { name: 'Migration20261125140000_open_opportunites_idx', class: Migration20261125140000_open_opportunites_idx },
  { name: 'Migration20261125150000_dashboard_perf', class: Migration20261125150000_dashboard_perf },
  { name: 'Migration20261206010000_pgboss', class: Migration20261206010000_pgboss },
  { name: 'Migration20261206030000_integrity', class: Migration20261206030000_integrity },
  { name: 'Migration20261206031000_fold_any_locale', class: Migration20261206031000_fold_any_locale },
  { name: 'Migration20261206090000_platform', class: Migration20261206090000_platform },
  { name: 'Migration20261206090100_webhooks', class: Migration20261206090100_webhooks },
];

export interface OrmOptions {
  databaseUrl: string;
  poolMax?: number;
  debug?: boolean;
}

export function ormConfig({ databaseUrl, poolMax = 10, debug = false }: OrmOptions): Options {
  return {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: allEntities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    migrations: { migrationsList, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    // Short timeouts so that a database outage answers fast (health 503, requests 500) instead of
    // queueing requests for knex's 60 s default; the pool reconnects by itself when it is back.
    pool: { min: 0, max: poolMax, idleTimeoutMillis: 30_000, acquireTimeoutMillis: 5_000, createTimeoutMillis: 3_000 },
    driverOptions: { connection: { connectionTimeoutMillis: 3_000, keepAlive: true } },
    // Numeric columns come back as strings; the API converts money exactly (cents).
    forceUtcTimezone: true,
    debug,
    allowGlobalContext: false,
  };
}

export async function initOrm(opts: OrmOptions): Promise<MikroORM> {
  return MikroORM.init(ormConfig(opts));
}

/** Applies pending migrations; safe to call at every start. */
export async function migrate(orm: MikroORM): Promise<void> {
  await orm.getMigrator().up();
}

export { MikroORM };
