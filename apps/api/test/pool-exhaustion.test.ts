/**
 * More slow requests than pooled connections (20 on a 10-connection pool): they queue with a
 * bounded wait; what cannot be served in time answers 503 + Retry-After in the contract shape,
 * never 500; logins and the health check keep being served meanwhile.
 *
 * Slowness is real: another session (its own one-connection ORM on the same database) holds a
 * lock on `clients`, so every client list blocks in PostgreSQL while holding its pooled connection.
 */
import { initOrm } from '@crm/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await startTestApp({ env: { DB_POOL_MAX: '10', DB_QUEUE_TIMEOUT_MS: '1000' } });
  await t.user('admin', 'admin');
  token = (await t.as('admin')).token!;
});
afterAll(async () => t?.close());

describe('pool exhaustion', () => {
  it('20 slow lists on 10 connections: 200 or 503 with Retry-After, never 500; login and health served meanwhile', async () => {
    const lockerOrm = await initOrm({ databaseUrl: t.dbUrl, poolMax: 1 });
    const locker = await lockerOrm.em.getConnection().getKnex().transaction();
    await locker.raw('lock table clients in access exclusive mode');
    let released = false;
    try {
      const lists = Array.from({ length: 20 }, () =>
        t.app.inject({ method: 'GET', url: '/api/clients/', headers: { authorization: `Bearer ${token}` } }),
      );
      // While the slow lists hold the pool: a login and the health check are answered, quickly.
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      const [login, health] = await Promise.all([
        t.app.inject({ method: 'POST', url: '/api/auth/login/', payload: { username: 'admin', password: PASSWORD } }),
        t.app.inject({ method: 'GET', url: '/api/health/' }),
      ]);
      expect(login.statusCode).toBe(200);
      expect(health.statusCode).toBe(200);
      expect(Date.now() - t0).toBeLessThan(1_000);
      // The lists that could not get a connection within the bounded wait have their answer.
      await new Promise((r) => setTimeout(r, 1_500));
      await locker.rollback();
      released = true;

      const answers = await Promise.all(lists);
      const statuses = answers.map((r) => r.statusCode);
      expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
      const refused = answers.filter((r) => r.statusCode === 503);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(Number(r.headers['retry-after'])).toBeGreaterThan(0);
        expect(r.json()).toEqual({ code: 'SERVICE_UNAVAILABLE', message: expect.any(String), fieldErrors: {} });
      }
      // Nothing is left stuck: the API serves normally afterwards.
      expect(
        (await t.app.inject({ method: 'GET', url: '/api/clients/', headers: { authorization: `Bearer ${token}` } }))
          .statusCode,
      ).toBe(200);
    } finally {
      if (!released) await locker.rollback().catch(() => {});
      await lockerOrm.close(true);
    }
  });
});
