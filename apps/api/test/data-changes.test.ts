/**
 * One invalidation path (issue #14): a write through the SQL runner or an entity flush drops the
 * list counts and the cached answers once it is committed, without any hand call; a rollback or a
 * write to a table the caches do not read drops nothing.
 */
import type { EntityManager } from '@crm/db';
import { Client } from '@crm/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/lib/sql/runner.js';
import { writtenTables } from '../src/lib/sql/runner.js';
import { startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
let em: () => EntityManager;

beforeAll(async () => {
  t = await startTestApp();
  em = () => t.orm.em.fork() as EntityManager;
});
afterAll(async () => t?.close());

/** Caches a big count under `key`; true while the cache still answers it. */
async function cacheCount(key: string): Promise<() => Promise<boolean>> {
  const cache = t.deps.countCache;
  const n = cache.threshold + 1;
  await cache.count(key, async () => n);
  expect(await cache.count(key, async () => -1)).toBe(n);
  return async () => (await cache.count(key, async () => -1)) === n;
}

/** Caches an answer under `key`; true while the cache still answers it. */
async function cacheAnswer(key: string): Promise<() => Promise<boolean>> {
  const cache = t.deps.answerCache;
  await cache.getOrCompute(key, async () => 'cached');
  expect(await cache.getOrCompute(key, async () => 'computed')).toBe('cached');
  return async () => (await cache.getOrCompute(key, async () => 'fresh')) === 'cached';
}

describe('writes through the SQL runner', () => {
  it('an insert outside a transaction drops the counts and the answers at once', async () => {
    const countCached = await cacheCount('runner-insert');
    const answerCached = await cacheAnswer('runner-insert');
    await sql(em(), `insert into clients (nom) values (?)`, ['Écrit en SQL']);
    expect(await countCached()).toBe(false);
    expect(await answerCached()).toBe(false);
  });

  it('inside a transaction: kept until the commit, dropped by it (a read in between cannot keep the old state)', async () => {
    const countCached = await cacheCount('runner-trx');
    const answerCached = await cacheAnswer('runner-trx');
    await em().transactional(async (tem) => {
      await sql(tem, `update clients set notes = 'maj' where nom = ?`, ['Écrit en SQL']);
      // Other connections still read the committed state: the caches may keep serving it.
      expect(await countCached()).toBe(true);
      expect(await answerCached()).toBe(true);
      // Nested transactions (savepoints) report to the outermost one.
      await tem.transactional(async (inner) => {
        await sql(inner, `delete from clients where nom = 'personne'`);
      });
      expect(await countCached()).toBe(true);
    });
    expect(await countCached()).toBe(false);
    expect(await answerCached()).toBe(false);
  });

  it('a rolled-back transaction drops nothing', async () => {
    const countCached = await cacheCount('runner-rollback');
    await expect(
      em().transactional(async (tem) => {
        await sql(tem, `delete from clients where nom = ?`, ['Écrit en SQL']);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await countCached()).toBe(true);
  });

  it('a write to a table neither cache reads (the audit log) drops nothing', async () => {
    const countCached = await cacheCount('runner-audit');
    const answerCached = await cacheAnswer('runner-audit');
    await sql(em(), `insert into audit_log (action, details) values ('test', '{}')`);
    expect(await countCached()).toBe(true);
    expect(await answerCached()).toBe(true);
  });

  it('reads drop nothing', async () => {
    const countCached = await cacheCount('runner-read');
    await sql(em(), `select count(*) from clients`);
    await em().transactional((tem) => sql(tem, `select id from clients where id = ? for update`, [1]));
    expect(await countCached()).toBe(true);
  });
});

describe('writes through entities', () => {
  it('a flush outside a transaction drops the counts and the answers', async () => {
    const countCached = await cacheCount('flush');
    const answerCached = await cacheAnswer('flush');
    const fork = em();
    fork.create(Client, { nom: 'Écrit par le ORM', societe: '', telephone: '', notes: '', categorie: '' } as any);
    await fork.flush();
    expect(await countCached()).toBe(false);
    expect(await answerCached()).toBe(false);
  });
});

describe('writtenTables', () => {
  it('names the tables a write statement writes, and nothing for reads', () => {
    expect(writtenTables(`insert into clients (nom) values (?)`)).toEqual(['clients']);
    expect(writtenTables(`  UPDATE projets set x = 1`)).toEqual(['projets']);
    expect(writtenTables(`delete from taches where id in (select id from projets)`)).toEqual(['taches']);
    expect(
      writtenTables(
        `with gone as (delete from devis where id = ? returning id) update projets set devis_associe_id = null`,
      ),
    ).toEqual(['devis', 'projets']);
    expect(writtenTables(`select id from clients for update`)).toBeNull();
    expect(writtenTables(`select 1`)).toBeNull();
  });
});
