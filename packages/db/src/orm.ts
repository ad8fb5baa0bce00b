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
import { Migration20261206011000_devis_envoi } from './migrations/Migration20261206011000_devis_envoi.js';
import { Migration20261206030000_integrity } from './migrations/Migration20261206030000_integrity.js';
import { Migration20261206031000_fold_any_locale } from './migrations/Migration20261206031000_fold_any_locale.js';
import { Migration20261206040000_sparse_positions_list_indexes } from './migrations/Migration20261206040000_sparse_positions_list_indexes.js';
import { Migration20261206060000_memory } from './migrations/Migration20261206060000_memory.js';
import { Migration20261206080000_recherche } from './migrations/Migration20261206080000_recherche.js';
import { Migration20261206090000_platform } from './migrations/Migration20261206090000_platform.js';
import { Migration20261206090100_webhooks } from './migrations/Migration20261206090100_webhooks.js';
import { Migration20261206100000_imports } from './migrations/Migration20261206100000_imports.js';
import { Migration20261206170000_colonne_index } from './migrations/Migration20261206170000_colonne_index.js';
import { Migration20261206171000_resumes_quotidiens } from './migrations/Migration20261206171000_resumes_quotidiens.js';
import { Migration20261206172000_devis_numero_digits } from './migrations/Migration20261206172000_devis_numero_digits.js';

// `date` columns stay 'YYYY-MM-DD' strings (no timezone shift through JS Date).
pg.types.setTypeParser(1082, (v: string) => v);

export const migrationsList = [
  { name: 'Migration20261125000000_init', class: Migration20261125000000_init },
  { name: 'Migration20261125120000_devis_search', class: Migration20261125120000_devis_search },
  { name: 'Migration20261125140000_open_opportunites_idx', class: Migration20261125140000_open_opportunites_idx },
  { name: 'Migration20261125150000_dashboard_perf', class: Migration20261125150000_dashboard_perf },
  { name: 'Migration20261206010000_pgboss', class: Migration20261206010000_pgboss },
  { name: 'Migration20261206011000_devis_envoi', class: Migration20261206011000_devis_envoi },
  { name: 'Migration20261206030000_integrity', class: Migration20261206030000_integrity },
  { name: 'Migration20261206031000_fold_any_locale', class: Migration20261206031000_fold_any_locale },
  { name: 'Migration20261206040000_sparse_positions_list_indexes', class: Migration20261206040000_sparse_positions_list_indexes },
  { name: 'Migration20261206060000_memory', class: Migration20261206060000_memory },
  { name: 'Migration20261206080000_recherche', class: Migration20261206080000_recherche },
  { name: 'Migration20261206090000_platform', class: Migration20261206090000_platform },
  { name: 'Migration20261206090100_webhooks', class: Migration20261206090100_webhooks },
  { name: 'Migration20261206100000_imports', class: Migration20261206100000_imports },
  { name: 'Migration20261206170000_colonne_index', class: Migration20261206170000_colonne_index },
  { name: 'Migration20261206171000_resumes_quotidiens', class: Migration20261206171000_resumes_quotidiens },
  { name: 'Migration20261206172000_devis_numero_digits', class: Migration20261206172000_devis_numero_digits },
];

export interface OrmOptions {
  databaseUrl: string;
  poolMax?: number;
  debug?: boolean;
  /**
   * Bound on every statement (server-side `statement_timeout`), and on the wait for any answer
   * (client side, a little longer: a database that stopped answering without closing the
   * connection — a network partition — never sends the cancellation). 0 (default, CLIs and seeds):
   * unbounded. Migrations always run unbounded.
   */
  statementTimeoutMs?: number;
  /** Longest wait for a free pooled connection (knex acquire timeout). */
  acquireTimeoutMs?: number;
}

/** Per-ORM switch (keyed by its config object) lifting the client-side bound while migrating. */
const unboundedWhile = new WeakMap<object, { on: boolean }>();

/** Extra wait on the client side after the server-side statement timeout, before the connection is deemed dead. */
const CLIENT_GRACE_MS = 1_000;

/**
 * Client-side bound of every query on a pooled pg connection. A connection whose query went
 * unanswered is destroyed (not returned to the pool): pg leaves the unanswered query on it, so any
 * later query would queue behind it; knex sees the socket end and drops the connection, and the
 * pool opens fresh ones once the database answers again.
 */
function boundQueries(conn: any, timeoutMs: number, unbounded: { on: boolean }): void {
  const query = conn.query.bind(conn);
  const kill = (err: unknown) => {
    if (err instanceof Error && err.message === 'Query read timeout') {
      conn.__knex__disposed = err;
      conn.connection?.stream?.destroy();
    }
  };
  conn.query = (config: any, values?: any, callback?: any) => {
    if (unbounded.on || typeof config !== 'object' || config === null || typeof config.submit === 'function') return query(config, values, callback);
    const bounded = { ...config, query_timeout: timeoutMs };
    const cb = typeof values === 'function' ? values : callback;
    if (cb) {
      const wrapped = (err: unknown, res: unknown) => {
        if (err) kill(err);
        cb(err, res);
      };
      return typeof values === 'function' ? query(bounded, wrapped) : query(bounded, values, wrapped);
    }
    const out = query(bounded, values);
    out?.catch?.(kill);
    return out;
  };
}

/**
 * Each migration first lifts the server-side statement bound for the rest of the migration
 * transaction (`set local`): index builds on big tables may legitimately run long.
 */
function withoutStatementTimeout(cls: any): any {
  return class extends cls {
    async up() {
      await (this as any).execute('set local statement_timeout = 0');
      return super.up();
    }
    async down() {
      await (this as any).execute('set local statement_timeout = 0');
      return super.down();
    }
  };
}

export function ormConfig({ databaseUrl, poolMax = 10, debug = false, statementTimeoutMs = 0, acquireTimeoutMs = 5_000 }: OrmOptions): Options {
  const unbounded = { on: false };
  const bounded = statementTimeoutMs > 0;
  const options: Options = {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: allEntities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    migrations: {
      migrationsList: migrationsList.map((m) => ({ name: m.name, class: withoutStatementTimeout(m.class) })),
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    // Short timeouts so that a database outage answers fast (health 503, requests 500) instead of
    // queueing requests for knex's 60 s default; the pool reconnects by itself when it is back.
    pool: {
      min: 0,
      max: poolMax,
      idleTimeoutMillis: 30_000,
      acquireTimeoutMillis: acquireTimeoutMs,
      createTimeoutMillis: 3_000,
      ...(bounded ? { afterCreate: (conn: any, done: (err: Error | null, conn: any) => void) => (boundQueries(conn, statementTimeoutMs + CLIENT_GRACE_MS, unbounded), done(null, conn)) } : {}),
    },
    driverOptions: { connection: { connectionTimeoutMillis: 3_000, keepAlive: true, ...(bounded ? { statement_timeout: statementTimeoutMs } : {}) } },
    // Numeric columns come back as strings; the API converts money exactly (cents).
    forceUtcTimezone: true,
    debug,
    allowGlobalContext: false,
  };
  unboundedWhile.set(options, unbounded);
  return options;
}

export async function initOrm(opts: OrmOptions): Promise<MikroORM> {
  const options = ormConfig(opts);
  const orm = await MikroORM.init(options);
  unboundedWhile.set(orm.config, unboundedWhile.get(options)!);
  return orm;
}

/**
 * Applies pending migrations; safe to call at every start. They may legitimately run long (index
 * builds on big tables): no statement timeout, server or client side, while they run.
 */
export async function migrate(orm: MikroORM): Promise<void> {
  const unbounded = unboundedWhile.get(orm.config) ?? { on: false };
  unbounded.on = true;
  try {
    await orm.getMigrator().up();
  } finally {
    unbounded.on = false;
  }
}

export { MikroORM };
