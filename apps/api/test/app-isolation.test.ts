import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue } from '../src/jobs/queue.js';
import { userEventHubOf } from '../src/lib/userEvents.js';
import { notify } from '../src/services/notifications.js';
import { startTestApp, type TestApp } from './helpers.js';

/**
 * Objects that services reach with only an EntityManager (job queue, user event hub) belong to
 * their app: two apps in one process — as in the tests — never share them.
 */
describe('two apps in one process', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('each finds its own user event hub, and a notification reaches only its own app', async () => {
    expect(userEventHubOf(a.orm.em.fork())).toBe(a.deps.userEvents);
    expect(userEventHubOf(b.orm.em.fork())).toBe(b.deps.userEvents);
    expect(a.deps.userEvents).not.toBe(b.deps.userEvents);

    const ua = await a.user('alice');
    const ub = await b.user('alice');
    const heard: string[] = [];
    const offA = a.deps.userEvents.subscribe(ua, () => heard.push('a'));
    const offB = b.deps.userEvents.subscribe(ub, () => heard.push('b'));
    try {
      await notify(a.orm.em.fork(), { user: ua, actor: null, type: 'client_attribue', message: 'm', lien: '/' });
      await expect.poll(() => heard).toEqual(['a']);
      await new Promise((r) => setTimeout(r, 200));
      expect(heard).toEqual(['a']);
    } finally {
      offA();
      offB();
    }
  });

  it('each enqueues on its own queue, in its own database', async () => {
    const later = new Date(Date.now() + 3_600_000);
    await enqueue(a.orm.em.fork(), 'import.executer', { importId: 1 }, { startAfter: later });
    await enqueue(b.orm.em.fork(), 'import.executer', { importId: 2 }, { startAfter: later });
    await enqueue(b.orm.em.fork(), 'import.executer', { importId: 3 }, { startAfter: later });
    const ids = async (t: TestApp) =>
      (
        await t.sql(`select (data->>'importId')::int as id from pgboss.job where name = 'import.executer' order by 1`)
      ).map((r) => r.id);
    expect(await ids(a)).toEqual([1]);
    expect(await ids(b)).toEqual([2, 3]);
  });
});
