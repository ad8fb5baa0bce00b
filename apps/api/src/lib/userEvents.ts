import type { EntityManager } from '@crm/db';
import { OrmSlot } from './ormSlot.js';

type Listener = () => void;

/**
 * "Something changed for user X" signals (new or read notifications), delivered to the
 * Server-Sent Events streams open on this instance. `publish` goes through `remote` (the Redis
 * bus, which delivers to every instance including this one) when it is set and live, else
 * straight to the local listeners (one instance without Redis).
 */
export class UserEventHub {
  private readonly listeners = new Map<number, Set<Listener>>();
  /** Set by createDeps when Redis is configured: returns false when the bus is not usable. */
  remote?: (userIds: number[]) => Promise<boolean>;

  subscribe(userId: number, fn: Listener): () => void {
    let set = this.listeners.get(userId);
    if (!set) {
      set = new Set();
      this.listeners.set(userId, set);
    }
    set.add(fn);
    return () => {
      set.delete(fn);
      if (!set.size) this.listeners.delete(userId);
    };
  }

  /** Number of open streams (tests, health). */
  get size(): number {
    let n = 0;
    for (const s of this.listeners.values()) n += s.size;
    return n;
  }

  deliverLocal(userIds: number[]): void {
    for (const id of new Set(userIds)) for (const fn of this.listeners.get(id) ?? []) fn();
  }

  async publish(userIds: number[]): Promise<void> {
    if (!userIds.length) return;
    if (this.remote && (await this.remote(userIds))) return;
    this.deliverLocal(userIds);
  }
}

/** Services signal with only their EntityManager: the app's hub (`AppDeps.userEvents`) is found through the ORM. */
const USER_EVENTS = new OrmSlot<UserEventHub>('crm:userEvents');

export function attachUserEventHub(orm: { config: EntityManager['config'] }, hub: UserEventHub): void {
  USER_EVENTS.attach(orm, hub);
}
export function userEventHubOf(em: EntityManager): UserEventHub | undefined {
  return USER_EVENTS.of(em);
}

/**
 * Runs `fn` once the caller's transaction is committed (at once outside a transaction), never
 * after a rollback: a signal must not announce a row that other connections cannot read yet.
 */
export function afterCommit(em: EntityManager, fn: () => void): void {
  let trx = em.getTransactionContext() as
    | { parentTransaction?: unknown; executionPromise?: Promise<unknown> }
    | undefined;
  while (trx?.parentTransaction) trx = trx.parentTransaction as typeof trx;
  if (trx?.executionPromise)
    trx.executionPromise.then(
      () => fn(),
      () => {},
    );
  else queueMicrotask(fn);
}
