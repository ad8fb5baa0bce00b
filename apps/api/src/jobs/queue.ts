import PgBoss from 'pg-boss';
import { JOBS_SCHEMA, type EntityManager, type MikroORM } from '@crm/db';
import type { JobsConfig } from '../config.js';
import { OrmSlot } from '../lib/ormSlot.js';

/**
 * The background job queue: pg-boss 10 in the app's own database (schema `pgboss`, created by
 * migration), on the ORM's connection pool (no second pool, same timeouts and outage behaviour).
 *
 * - `enqueue(em, name, data)` inserts the job on `em`'s connection: inside `em.transactional(...)`
 *   it is part of the business transaction (committed with it, gone if it rolls back).
 * - Job modules describe themselves with `defineJob` and are listed in `jobs/index.ts`; each job
 *   name's payload type is declared by augmenting `JobTypes`:
 *     declare module './queue.js' { interface JobTypes { 'courriel.envoyer': { courrielId: number } } }
 * - Workers run in the API process by default (JOBS_WORKERS=false: enqueue only) and in
 *   `pnpm worker`; pg-boss hands each job to one worker (SKIP LOCKED), so any number of processes
 *   share the queue. A job still active after `expireInSeconds` (its worker died) is retried.
 * - `cron` jobs are enqueued by pg-boss's scheduler once per tick whatever the number of instances.
 */

// biome-ignore lint/suspicious/noEmptyInterface: filled by module augmentation in each job module
export interface JobTypes {}
export type JobName = keyof JobTypes & string;
type JobData<N extends string> = N extends keyof JobTypes ? JobTypes[N] : never;

export interface JobInfo {
  id: string;
  name: string;
  /** 0 on the first attempt. */
  retryCount: number;
  retryLimit: number;
}

export interface JobPolicy {
  /** Attempts after the first one (default 2). */
  retryLimit?: number;
  /** Seconds before the first retry (default 0); doubled each time with `retryBackoff`. */
  retryDelay?: number;
  retryBackoff?: boolean;
  /** A job still running after this long counts as failed (its worker was killed): default 15 min. */
  expireInSeconds?: number;
}

export interface JobDefinition<N extends string, C> extends JobPolicy {
  name: N;
  /** Throwing fails the attempt (retried per the policy). */
  run(data: JobData<N>, job: JobInfo, ctx: C): Promise<void>;
  /** Jobs of this name run in parallel per process (default 1). */
  concurrency?: number;
  /** Cron expression (UTC unless `tz`): pg-boss enqueues `{}` once per tick across all instances. */
  cron?: string;
  /** Time zone of `cron` (IANA name, e.g. Europe/Paris). */
  tz?: string;
}

/** A list of definitions of different job names. */
export type AnyJobDefinition<C> = JobDefinition<string, C>;

export const defineJob = <N extends JobName, C>(def: JobDefinition<N, C>): JobDefinition<N, C> => def;

type Knex = ReturnType<ReturnType<EntityManager['getConnection']>['getKnex']>;
type PgConnection = { query(text: string, values?: unknown[]): Promise<{ rows: any[] }> };

/**
 * One statement on a connection of the ORM's pool (not counted as a request's SQL). Each statement
 * is in `inFlight` until it has settled: a worker's fetch that was waiting for a connection when its
 * queue stopped must still be waited for (see JobQueue.stop).
 */
function poolDb(orm: MikroORM, inFlight: Set<Promise<unknown>>): PgBoss.Db {
  const client = (orm.em.getConnection().getKnex() as Knex).client as any;
  const run = async (text: string, values?: unknown[]) => {
    const conn = (await client.acquireConnection()) as PgConnection;
    try {
      return await conn.query(text, values);
    } finally {
      await client.releaseConnection(conn);
    }
  };
  return { executeSql: (text, values) => tracked(inFlight, run(text, values)) };
}

/** `promise`, kept in `set` until it has settled. */
function tracked<T>(set: Set<Promise<unknown>>, promise: Promise<T>): Promise<T> {
  const settled: Promise<unknown> = promise.then(
    () => set.delete(settled),
    () => set.delete(settled),
  );
  set.add(settled);
  return promise;
}

/** The root knex transaction of `em`, if it is in one (savepoints commit with their root). */
function rootTransaction(em: EntityManager): any {
  let trx = em.getTransactionContext() as any;
  while (trx?.outerTx) trx = trx.outerTx;
  return trx;
}

export class JobQueue<C> {
  /** The pg-boss instance (a fresh one after each stop(): a stopped one does not resume its maintenance). */
  boss: PgBoss;
  private readonly orm: MikroORM;
  /** The current pg-boss instance's statements and jobs still running (stop() waits for both). */
  private inFlight = new Set<Promise<unknown>>();
  private running = new Set<Promise<unknown>>();
  private readonly definitions = new Map<string, AnyJobDefinition<C>>();
  private readonly workerIds = new Map<string, string[]>();
  /** Job names enqueued in a still-open transaction: local workers are woken once it commits. */
  private readonly pendingWakes = new WeakMap<object, Set<string>>();
  private started: Promise<void> | null = null;

  constructor(
    orm: MikroORM,
    private readonly config: JobsConfig,
    definitions: AnyJobDefinition<C>[],
    private readonly context: () => C,
    private readonly onError: (err: unknown) => void = (err) => console.error('job queue:', err),
  ) {
    for (const d of definitions) {
      if (this.definitions.has(d.name)) throw new Error(`job ${d.name} defined twice`);
      this.definitions.set(d.name, d);
    }
    this.orm = orm;
    this.boss = this.makeBoss();
    orm.em.getEventManager().registerSubscriber({
      afterTransactionCommit: ({ transaction }: { transaction?: object }) => this.flushWakes(transaction),
      afterTransactionRollback: ({ transaction }: { transaction?: object }) => {
        if (transaction) this.pendingWakes.delete(transaction);
      },
    } as any);
  }

  private makeBoss(): PgBoss {
    this.inFlight = new Set();
    this.running = new Set();
    const boss = new PgBoss({
      db: poolDb(this.orm, this.inFlight),
      schema: JOBS_SCHEMA,
      // Maintenance (expiring jobs of dead workers, archiving) and cron only where workers run.
      supervise: this.config.workers,
      schedule: this.config.workers && [...this.definitions.values()].some((d) => d.cron),
      maintenanceIntervalSeconds: this.config.maintenanceIntervalSeconds,
      migrate: true,
    });
    boss.on('error', this.onError);
    return boss;
  }

  /** Starts pg-boss (version check), and the workers and cron schedules when `config.workers`. */
  start(): Promise<void> {
    this.started ??= this.doStart();
    return this.started;
  }

  private async doStart(): Promise<void> {
    await this.boss.start();
    // Every queue exists before the first enqueue. Creating one is DDL on pg-boss's partitioned job
    // table: done inside business transactions it could deadlock with another transaction's insert.
    for (const name of this.definitions.keys()) await this.ensureQueue(name);
    if (!this.config.workers) return;
    const running = this.running;
    for (const def of this.definitions.values()) {
      const ids: string[] = [];
      for (let i = 0; i < (def.concurrency ?? 1); i++) {
        ids.push(
          await this.boss.work<any>(
            def.name,
            { pollingIntervalSeconds: this.config.pollingIntervalSeconds, batchSize: 1, includeMetadata: true },
            async ([job]) => {
              const info: JobInfo = {
                id: job.id,
                name: job.name,
                retryCount: job.retryCount,
                retryLimit: job.retryLimit,
              };
              await tracked(running, Promise.resolve(def.run(job.data as never, info, this.context())));
            },
          ),
        );
      }
      this.workerIds.set(def.name, ids);
      if (def.cron) {
        await this.boss.schedule(
          def.name,
          def.cron,
          {},
          { ...this.policyOptions(def), ...(def.tz ? { tz: def.tz } : {}) },
        );
      }
    }
  }

  /**
   * Adds a job. On `em`'s transaction when it is in one: the job exists only if that transaction
   * commits, and this process's workers are woken at commit (others find it within their polling
   * interval). Returns the job id.
   */
  async enqueue<N extends JobName>(
    em: EntityManager,
    name: N,
    data: JobTypes[N],
    options: JobPolicy & { startAfter?: Date } = {},
  ): Promise<string> {
    const def = this.definitions.get(name);
    if (!def) throw new Error(`unknown job ${name}`);
    const trx = em.getTransactionContext() as any;
    const db: PgBoss.Db | undefined = trx
      ? {
          executeSql: async (text, values) => {
            const conn = (await trx.client.acquireConnection()) as PgConnection;
            // Counted like the request's other statements (tests' countSql, bench).
            em.getConnection().getKnex().client.emit('query', { sql: text, bindings: values });
            try {
              return await conn.query(text, values);
            } catch (err) {
              throw em.getDriver().convertException(err as Error);
            }
          },
        }
      : undefined;
    const send = () =>
      this.boss.send(name, data as object, { ...this.policyOptions(def), ...options, ...(db ? { db } : {}) });
    const id = await send();
    // pg-boss inserts nothing for a queue that does not exist: start() creates them all.
    if (!id) throw new Error(`job ${name} not enqueued (queue missing: JobQueue.start() creates it)`);
    const root = rootTransaction(em);
    if (root) {
      let names = this.pendingWakes.get(root);
      if (!names) {
        names = new Set();
        this.pendingWakes.set(root, names);
      }
      names.add(name);
    } else {
      this.wake(name);
    }
    return id;
  }

  /**
   * Adds many jobs of one name in one statement (pg-boss `insert`), on `em`'s transaction like
   * `enqueue`: set-based writers (bulk actions) enqueue one job per row without a round trip each.
   */
  async enqueueMany<N extends JobName>(em: EntityManager, name: N, data: JobTypes[N][]): Promise<void> {
    if (!data.length) return;
    const def = this.definitions.get(name);
    if (!def) throw new Error(`unknown job ${name}`);
    const policy = this.policyOptions(def) as Record<string, unknown>;
    const trx = em.getTransactionContext() as any;
    const db: PgBoss.Db | undefined = trx
      ? {
          executeSql: async (text, values) => {
            const conn = (await trx.client.acquireConnection()) as PgConnection;
            em.getConnection().getKnex().client.emit('query', { sql: text, bindings: values });
            try {
              return await conn.query(text, values);
            } catch (err) {
              throw em.getDriver().convertException(err as Error);
            }
          },
        }
      : undefined;
    await this.boss.insert(
      data.map((d) => ({ name, data: d as object, ...policy })),
      db ? { db } : {},
    );
    const root = rootTransaction(em);
    if (root) {
      let names = this.pendingWakes.get(root);
      if (!names) {
        names = new Set();
        this.pendingWakes.set(root, names);
      }
      names.add(name);
    } else {
      this.wake(name);
    }
  }

  /**
   * Stops fetching, waits up to `timeoutMs` for running jobs (then they expire and are retried
   * elsewhere). Once it has returned, this queue takes no more jobs: pg-boss's own stop waits for the
   * jobs its workers hold, not for a fetch still waiting for a connection, which would then take a job
   * enqueued after the stop. So the stop also waits until the stopped instance's statements have
   * settled and the jobs they fetched have run (its workers fetch no more once told to stop).
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => {});
    const end = Date.now() + Math.max(timeoutMs, 1000);
    await this.boss.stop({ graceful: true, wait: true, timeout: timeoutMs, close: false });
    const { inFlight, running } = this;
    while ((inFlight.size || running.size) && Date.now() < end) {
      const left = end - Date.now();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...inFlight, ...running]),
        new Promise((r) => {
          timer = setTimeout(r, left);
        }),
      ]);
      clearTimeout(timer);
    }
    this.workerIds.clear();
    this.boss = this.makeBoss();
    this.started = null;
  }

  private policyOptions(def: JobPolicy): PgBoss.SendOptions {
    const { retryLimit, retryDelay, retryBackoff, expireInSeconds } = def;
    return Object.fromEntries(
      Object.entries({ retryLimit, retryDelay, retryBackoff, expireInSeconds }).filter(([, v]) => v !== undefined),
    );
  }

  /** A pg-boss queue is a row + a partition table: created once per database (a no-op statement afterwards). */
  private ensureQueue(name: string): Promise<void> {
    return this.boss.createQueue(name);
  }

  private flushWakes(transaction: object | undefined): void {
    const names = transaction && this.pendingWakes.get(transaction);
    if (!names) return;
    this.pendingWakes.delete(transaction);
    for (const name of names) this.wake(name);
  }

  private wake(name: string): void {
    for (const id of this.workerIds.get(name) ?? []) this.boss.notifyWorker(id);
  }
}

/** Services enqueue with only their EntityManager: the app's queue (`AppDeps.jobs`) is found through the ORM. */
const JOB_QUEUE = new OrmSlot<JobQueue<any>>('crm:jobQueue');

export function attachJobQueue(orm: MikroORM, queue: JobQueue<any>): void {
  JOB_QUEUE.attach(orm, queue);
}

function queueOf(em: EntityManager): JobQueue<any> {
  const queue = JOB_QUEUE.of(em);
  if (!queue) throw new Error('no job queue for this ORM');
  return queue;
}

/** `enqueue(em, 'courriel.envoyer', { courrielId })` from a service, inside its transaction. */
export function enqueue<N extends JobName>(
  em: EntityManager,
  name: N,
  data: JobTypes[N],
  options?: JobPolicy & { startAfter?: Date },
): Promise<string> {
  return queueOf(em).enqueue(em, name, data, options);
}

/** `enqueueMany(em, 'webhook.livrer', [{ livraisonId }, …])`: one statement for all, inside the caller's transaction. */
export function enqueueMany<N extends JobName>(em: EntityManager, name: N, data: JobTypes[N][]): Promise<void> {
  return queueOf(em).enqueueMany(em, name, data);
}
