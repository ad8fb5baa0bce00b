import { AsyncLocalStorage } from 'node:async_hooks';
import { TransactionContext } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from './entities/index.js';
import { initOrm, migrate, type MikroORM } from './orm.js';
import { createTestDatabase } from './testing.js';

/** Node's own flag: while any instance is enabled, every promise goes through the async hooks. */
const enabled = (s: AsyncLocalStorage<unknown>) => (s as unknown as { enabled: boolean }).enabled;
const mikroStorage = () => (TransactionContext as unknown as { storage: AsyncLocalStorage<unknown> }).storage;

let orm: MikroORM;
let release: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase('crm_dbtest_ctx', { template: true });
  release = db.release;
  orm = await initOrm({ databaseUrl: db.url });
  await migrate(orm);
});
afterAll(async () => {
  await orm?.close(true);
  await release?.();
});

describe('async contexts off when idle', () => {
  it("MikroORM's transaction context is disabled once its transactions, flushes and finds are over", async () => {
    const em = orm.em.fork();
    await em.transactional(async (tem) => {
      expect(enabled(mikroStorage())).toBe(true);
      tem.persist(tem.create(Client, { nom: 'Contexte' }));
    });
    await em.find(Client, { nom: 'Contexte' });
    // A read after it: no async context is left on (before: enabled for the life of the process).
    expect(enabled(mikroStorage())).toBe(false);
  });

  it('a transaction keeps its context while another one starts and ends', async () => {
    let release1!: () => void;
    const held = new Promise<void>((r) => {
      release1 = r;
    });
    let inside1: unknown;
    const t1 = orm.em.fork().transactional(async (tem) => {
      await held;
      // The global EntityManager resolves to this transaction's fork through the context.
      inside1 = orm.em.getContext(false);
      expect(inside1).toBe(tem);
    });
    await orm.em.fork().transactional(async () => undefined);
    expect(enabled(mikroStorage())).toBe(true);
    release1();
    await t1;
    expect(inside1).toBeDefined();
    expect(enabled(mikroStorage())).toBe(false);
  });

  it('nested and failing runs, sync and async, balance', async () => {
    const als = new AsyncLocalStorage<string>();
    const seen: Array<string | undefined> = [];
    await als.run('a', async () => {
      await als.run('b', async () => {
        await Promise.resolve();
        seen.push(als.getStore());
      });
      await Promise.resolve();
      seen.push(als.getStore());
      expect(() =>
        als.run('c', () => {
          throw new Error('sync');
        }),
      ).toThrow('sync');
      await expect(als.run('d', async () => Promise.reject(new Error('async')))).rejects.toThrow('async');
      seen.push(als.getStore());
      expect(als.run('e', () => als.getStore())).toBe('e');
      expect(enabled(als)).toBe(true);
    });
    expect(seen).toEqual(['b', 'a', 'a']);
    expect(enabled(als)).toBe(false);
    // enterWith has no end: its instance stays enabled.
    const other = new AsyncLocalStorage<string>();
    await (async () => {
      other.enterWith('x');
      expect(other.getStore()).toBe('x');
    })();
    await other.run('y', async () => undefined);
    expect(enabled(other)).toBe(true);
  });
});
