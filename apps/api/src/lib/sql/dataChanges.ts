import type { EntityManager, MikroORM } from '@crm/db';
import { OrmSlot } from '../ormSlot.js';

/** What was written: the tables, and the users whose row changed through an entity (role, status…). */
export interface DataChange {
  tables: ReadonlySet<string>;
  users: readonly number[];
}

export type DataChangeListener = (change: DataChange) => void | Promise<void>;

/**
 * The one path by which writes reach the caches that depend on them (list counts, cached answers,
 * validated sessions). Both ways of writing feed it: raw SQL through the runner (`sql()` reports
 * the tables a write statement names) and entity flushes (a subscriber reports the flushed
 * entities' tables). A write outside any transaction is reported at once; inside one, it waits for
 * the commit of the outermost transaction (a read in between may have cached the old state) and is
 * reported once with the transaction's other writes; a rollback reports nothing.
 *
 * One per app (`AppDeps.dataChanges`); the runner, which only has an EntityManager, finds it
 * through the ORM's extension registry (`dataChangesOf`).
 */
export class DataChanges {
  private readonly listeners: DataChangeListener[] = [];
  /** Writes of each open outermost transaction (knex transaction object), reported on its commit. */
  private readonly pending = new WeakMap<object, { tables: Set<string>; users: Set<number> }>();

  onChange(listener: DataChangeListener): void {
    this.listeners.push(listener);
  }

  /** After a write statement or flush: `trx` is the transaction it ran in, if any. */
  async written(tables: Iterable<string>, trx?: unknown, users: Iterable<number> = []): Promise<void> {
    if (trx) {
      const root = outermostTransaction(trx as object);
      let p = this.pending.get(root);
      if (!p) {
        p = { tables: new Set(), users: new Set() };
        this.pending.set(root, p);
      }
      for (const t of tables) p.tables.add(t);
      for (const u of users) p.users.add(u);
      return;
    }
    await this.report({ tables: new Set(tables), users: [...users] });
  }

  /** The outermost transaction `trx` committed: its writes are visible to every reader now. */
  async committed(trx: unknown): Promise<void> {
    const p = trx ? this.pending.get(trx as object) : undefined;
    if (!p) return;
    this.pending.delete(trx as object);
    await this.report({ tables: p.tables, users: [...p.users] });
  }

  rolledBack(trx: unknown): void {
    if (trx) this.pending.delete(trx as object);
  }

  private async report(change: DataChange): Promise<void> {
    if (!change.tables.size && !change.users.length) return;
    for (const listener of this.listeners) await listener(change);
  }
}

/**
 * MikroORM marks a savepoint's transaction with its parent under a private symbol; only the
 * outermost one has commit events (savepoints are released, not committed).
 */
function outermostTransaction(trx: object): object {
  let current = trx as Record<symbol, object>;
  for (;;) {
    const parent = Object.getOwnPropertySymbols(current).find((s) => s.description === 'parentTransaction');
    if (!parent || !current[parent]) return current;
    current = current[parent] as Record<symbol, object>;
  }
}

const DATA_CHANGES = new OrmSlot<DataChanges>('crm:dataChanges');

/** The app's DataChanges for this EntityManager's ORM (undefined before `attachDataChanges`). */
export function dataChangesOf(em: EntityManager): DataChanges | undefined {
  return DATA_CHANGES.of(em);
}

/**
 * Makes `changes` the ORM's: the SQL runner reports to it, and a subscriber reports entity
 * flushes (their tables, and the ids of updated or deleted users).
 */
export function attachDataChanges(orm: MikroORM, changes: DataChanges): void {
  DATA_CHANGES.attach(orm, changes);

  /** Flushes outside a transaction run in their own, whose commit is known only by `afterFlush`. */
  const outsideTransaction = new WeakMap<object, { tables: Set<string>; users: Set<number> }>();
  orm.em.getEventManager().registerSubscriber({
    async onFlush({ em, uow }: { em: EntityManager; uow: any }) {
      const tables = new Set<string>();
      const users = new Set<number>();
      for (const cs of uow.getChangeSets() as Array<{
        name: string;
        type: string;
        entity: any;
        meta: { tableName: string };
      }>) {
        tables.add(cs.meta.tableName);
        if (cs.name === 'User' && cs.type !== 'create' && cs.entity?.id) users.add(cs.entity.id);
      }
      if (!tables.size) return;
      if (em.isInTransaction()) await changes.written(tables, em.getTransactionContext(), users);
      else outsideTransaction.set(em, { tables, users });
    },
    async afterFlush({ em }: { em: EntityManager }) {
      const done = outsideTransaction.get(em);
      if (!done) return;
      outsideTransaction.delete(em);
      await changes.written(done.tables, undefined, done.users);
    },
    async afterTransactionCommit({ transaction }: { transaction?: unknown }) {
      await changes.committed(transaction);
    },
    afterTransactionRollback({ transaction }: { transaction?: unknown }) {
      changes.rolledBack(transaction);
    },
  } as any);
}
