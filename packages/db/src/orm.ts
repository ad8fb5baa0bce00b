import pg from 'pg';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { installIdleDisable } from './asyncContext.js';
import { allEntities } from './entities/index.js';
import { loadMigrations } from './migrationFiles.js';

// MikroORM's async contexts switch Node's async hooks off again when idle (asyncContext.ts).
installIdleDisable();

// `date` columns stay 'YYYY-MM-DD' strings (no timezone shift through JS Date).
pg.types.setTypeParser(1082, (v: string) => v);

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
    if (unbounded.on || typeof config !== 'object' || config === null || typeof config.submit === 'function')
      return query(config, values, callback);
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

/** MikroORM options; the migrations are the modules of `migrations/` (discovered, see migrationFiles.ts). */
export async function ormConfig({
  databaseUrl,
  poolMax = 10,
  debug = false,
  statementTimeoutMs = 0,
  acquireTimeoutMs = 5_000,
}: OrmOptions): Promise<Options> {
  const migrations = await loadMigrations();
  const unbounded = { on: false };
  const bounded = statementTimeoutMs > 0;
  const options: Options = {
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities: allEntities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: true },
    migrations: {
      migrationsList: migrations.map((m) => ({ name: m.name, class: withoutStatementTimeout(m.class) })),
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
      ...(bounded
        ? {
            afterCreate: (conn: any, done: (err: Error | null, conn: any) => void) => {
              boundQueries(conn, statementTimeoutMs + CLIENT_GRACE_MS, unbounded);
              done(null, conn);
            },
          }
        : {}),
    },
    driverOptions: {
      connection: {
        connectionTimeoutMillis: 3_000,
        keepAlive: true,
        // No JIT compilation: every statement here is short (pages, counts, searches), and a plan
        // costed above jit_above_cost (a generic plan of the global search, whose walk PostgreSQL
        // cannot cost without the term) spent 130 ms compiling for 3 ms of execution.
        // random_page_cost 1.1 (PostgreSQL's default 4 is for spinning disks): the working set is
        // in memory or on SSD, and at 4 the planner walked everyone's date index filtering for one
        // commercial's rows (heap in date order: « cheap » sequential reads) rather than their own
        // (owner, date) index, 10 times fewer rows.
        options: '-c jit=off -c random_page_cost=1.1',
        ...(bounded ? { statement_timeout: statementTimeoutMs } : {}),
      },
    },
    // Numeric columns come back as strings; the API converts money exactly (cents).
    forceUtcTimezone: true,
    debug,
    allowGlobalContext: false,
  };
  unboundedWhile.set(options, unbounded);
  return options;
}

export async function initOrm(opts: OrmOptions): Promise<MikroORM> {
  const options = await ormConfig(opts);
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
