import { AsyncLocalStorage } from 'node:async_hooks';
import { TransactionContext } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from './entities/index.js';
import { createTestDatabase } from './testing.js';
import { initOrm, migrate, type MikroORM } from './orm.js';

let orm: MikroORM;
let release: () => Promise<void>;

beforeAll(async () => {
  const db = await createTestDatabase('crm_dbtest', { template: true });
  release = db.release;
  orm = await initOrm({ databaseUrl: db.url });
  await migrate(orm);
});
afterAll(async () => {
  await orm?.close(true);
  await release?.();
});

describe('schema constraints', () => {
  const conn = () => orm.em.getConnection();
  it('folds accents and case for search', async () => {
    const [row] = await conn().execute(`select crm_fold('Élodie CŒUR Ça') as f`);
    expect(row.f).toBe('elodie coeur ca');
  });
  it('rejects an opportunity probability above 100 and a devis with montant 0', async () => {
    const [u] = await conn().execute(`insert into users (username, password_hash) values ('u', 'x') returning id`);
    const [c] = await conn().execute(`insert into clients (nom, responsable_id) values ('Acme', ?) returning id`, [
      u.id,
    ]);
    await expect(
      conn().execute(`insert into opportunites (nom, client_id, probabilite) values ('o', ?, 101)`, [c.id]),
    ).rejects.toThrow(/check/);
    const [o] = await conn().execute(`insert into opportunites (nom, client_id) values ('o', ?) returning id`, [c.id]);
    await expect(
      conn().execute(`insert into devis (opportunite_id, montant, version) values (?, 0, 1)`, [o.id]),
    ).rejects.toThrow(/check/);
  });
  it('enforces case-insensitive unique client email and date order on projets', async () => {
    await conn().execute(`insert into clients (nom, email) values ('A', 'x@y.fr')`);
    await expect(conn().execute(`insert into clients (nom, email) values ('B', 'X@Y.FR')`)).rejects.toThrow(
      /unique|duplicate/,
    );
    const [c] = await conn().execute(`insert into clients (nom) values ('C') returning id`);
    await expect(
      conn().execute(
        `insert into projets (titre, client_id, date_debut, date_fin) values ('p', ?, '2026-01-02', '2026-01-01')`,
        [c.id],
      ),
    ).rejects.toThrow(/projets_dates_order/);
  });
});

describe('connection settings', () => {
  it('JIT compilation is off on the pooled connections (short statements; a generic plan costed high paid 130 ms of compilation)', async () => {
    const [row] = await orm.em.getConnection().execute('show jit');
    expect(row.jit).toBe('off');
  });

  it('random_page_cost is 1.1 (data in memory or on SSD), so a one-owner page walks the owner index', async () => {
    const [row] = await orm.em.getConnection().execute('show random_page_cost');
    expect(row.random_page_cost).toBe('1.1');
  });
});

// The async contexts orm.ts installs (asyncContext.ts).
/** Node's own flag: while any instance is enabled, every promise goes through the async hooks. */
const enabled = (s: AsyncLocalStorage<unknown>) => (s as unknown as { enabled: boolean }).enabled;
const mikroStorage = () => (TransactionContext as unknown as { storage: AsyncLocalStorage<unknown> }).storage;

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

describe('statement bound', () => {
  it('statementTimeoutMs cancels a statement that runs longer (57014) and the pool stays usable; a bounded one-connection ORM still migrates', async () => {
    const db = await createTestDatabase('crm_dbtimeout');
    const bounded = await initOrm({ databaseUrl: db.url, poolMax: 1, statementTimeoutMs: 300 });
    try {
      await migrate(bounded);
      const conn = bounded.em.getConnection();
      await expect(conn.execute('select pg_sleep(1)')).rejects.toMatchObject({ code: '57014' });
      const [row] = await conn.execute('select 1 as one');
      expect(row.one).toBe(1);
      // What every migration starts with: the rest of its transaction is unbounded.
      await conn.transactional(async (trx) => {
        await conn.execute('set local statement_timeout = 0', [], 'run', trx);
        await conn.execute('select pg_sleep(0.5)', [], 'all', trx);
      });
      const [after] = await conn.execute('show statement_timeout');
      expect(after.statement_timeout).toBe('300ms');
    } finally {
      await bounded.close(true);
      await db.release();
    }
  }, 120_000); // every migration from an empty database, on one connection, while the other suites load the server
});
