import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { echeancesJob, notifierEcheances } from '../src/jobs/echeances.js';
import type { EntityManager } from '@crm/db';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';

/**
 * Notifications: who is told what, read marks, the due/overdue job (exactly once per key, even
 * with concurrent runners), and the Server-Sent Events stream — across two instances through a
 * real Redis (unique key prefix per run).
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_PREFIX = `test-notif-${randomBytes(4).toString('hex')}:`;

let t: TestApp; // instance A
let b: App; // instance B, same database and Redis
let manager: RestClient;
let alice: RestClient;
let bob: RestClient;
let aliceId: number;
let bobId: number;
let clientA: number;

const dayOffset = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startTestApp({ env: { REDIS_URL, REDIS_PREFIX } });
  b = await createApp({
    databaseUrl: t.dbUrl,
    env: { NODE_ENV: 'test', JWT_SECRET: 'test-secret-that-is-long-enough-0123456789', REDIS_URL, REDIS_PREFIX },
    config: { secureCookies: false },
  });
  await Promise.all([t.deps.sessionCache.ready(), b.deps.sessionCache.ready()]);
  await t.user('manager', 'manager');
  aliceId = await t.user('alice', 'commercial');
  bobId = await t.user('bob', 'commercial');
  [manager, alice, bob] = await Promise.all([t.as('manager'), t.as('alice'), t.as('bob')]);
  clientA = (await alice.post('/clients/', { nom: 'Menuiserie Roux' })).json().id;
});
afterAll(async () => {
  await b?.close();
  await t?.close();
});

const unread = async (c: RestClient) => (await c.get('/notifications/?nonLues=true')).json();

describe('who is told what', () => {
  it('a tâche assigned to someone else tells them (not the one who assigned it, not oneself)', async () => {
    const mine = await alice.post('/taches/', {
      titre: 'Pour moi',
      client: clientA,
      priorite: 'basse',
      dateEcheance: dayOffset(3),
    });
    expect(mine.statusCode).toBe(201);
    expect((await unread(alice)).count).toBe(0);
    const tache = (
      await manager.post('/taches/', {
        titre: 'Métré',
        client: clientA,
        assigneA: aliceId,
        priorite: 'haute',
        dateEcheance: '2027-01-10',
      })
    ).json();
    const list = await unread(alice);
    expect(list.count).toBe(1);
    expect(list.results[0]).toMatchObject({
      type: 'tache_assignee',
      lien: `/taches/${tache.id}`,
      lue: false,
      message: 'Tâche « Métré » vous a été assignée (échéance 10/01/2027)',
    });
    expect((await unread(manager)).count).toBe(0);
    await manager.patch(`/taches/${tache.id}/`, { assigneA: bobId });
    expect((await unread(bob)).results[0]).toMatchObject({ type: 'tache_assignee', lien: `/taches/${tache.id}` });
  });

  it('a client handed to someone tells them', async () => {
    await manager.patch(`/clients/${clientA}/`, { responsable: bobId });
    const n = (await unread(bob)).results[0];
    expect(n).toMatchObject({
      type: 'client_attribue',
      message: 'Le client « Menuiserie Roux » vous a été attribué',
      lien: `/clients/${clientA}`,
    });
    await manager.patch(`/clients/${clientA}/`, { responsable: aliceId });
  });

  it('a devis of theirs accepted or refused tells its owner', async () => {
    const o = (await alice.post('/opportunites/', { nom: 'Atelier', client: clientA, montant: 500 })).json().id;
    const d = (await alice.post('/devis/', { opportunite: o, montant: 500 })).json().id;
    const before = (await unread(alice)).count;
    await manager.patch(`/devis/${d}/`, { statut: 'accepte' });
    const list = await unread(alice);
    expect(list.count).toBe(before + 1);
    expect(list.results[0]).toMatchObject({
      type: 'devis_accepte',
      message: 'Devis v1 accepté — « Atelier »',
      lien: `/devis/${d}`,
    });
  });

  it('mark one read (idempotent), then all; another user’s notification is 404', async () => {
    const first = (await unread(alice)).results[0];
    const read = await alice.post(`/notifications/${first.id}/lue/`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: first.id, lue: true });
    expect((await alice.post(`/notifications/${first.id}/lue/`)).json().dateLecture).toBe(read.json().dateLecture);
    expect((await bob.post(`/notifications/${first.id}/lue/`)).statusCode).toBe(404);
    expect((await bob.get('/notifications/')).json().results.map((n: any) => n.id)).not.toContain(first.id);
    const all = await alice.post('/notifications/tout-lu/');
    expect(all.statusCode).toBe(200);
    expect(all.json().marquees).toBeGreaterThan(0);
    expect((await unread(alice)).count).toBe(0);
    expect((await alice.get('/notifications/?nonLues=false')).json().count).toBeGreaterThan(1);
    expect((await alice.get('/notifications/?nonLues=peut-etre')).statusCode).toBe(400);
    const { statements } = await t.countSql(() => alice.get('/notifications/?pageSize=50'));
    expect(statements.filter((s) => /notifications/.test(s)).length).toBe(2);
    expect((await t.anonymous().get('/notifications/')).statusCode).toBe(401);
  });
});

describe('due today / overdue notices', () => {
  it('exactly once per tâche and key, even with concurrent runs; done tâches and old ones are skipped', async () => {
    const mk = (titre: string, dateEcheance: string, statut = 'a_faire') =>
      manager.post('/taches/', { titre, client: clientA, assigneA: bobId, priorite: 'moyenne', dateEcheance, statut });
    await mk('Aujourd’hui', dayOffset(0));
    await mk('Hier', dayOffset(-1));
    await mk('Finie hier', dayOffset(-1), 'terminee');
    await mk('Demain', dayOffset(1));
    await mk('Très ancienne', dayOffset(-40));
    const runs = await Promise.all([0, 1, 2].map(() => notifierEcheances(t.orm.em.fork() as EntityManager)));
    expect(runs.reduce((a, b) => a + b, 0)).toBe(2);
    expect(await notifierEcheances(t.orm.em.fork() as EntityManager)).toBe(0);
    const msgs = (await unread(bob)).results
      .filter((n: any) => n.type === 'tache_echeance' || n.type === 'tache_retard')
      .map((n: any) => n.message)
      .sort();
    const hier = dayOffset(-1).split('-').reverse().join('/');
    expect(msgs).toEqual([
      `Tâche « Aujourd’hui » à faire aujourd'hui`,
      `Tâche « Hier » en retard (échéance le ${hier})`,
    ]);
    // The next day, "Aujourd’hui" becomes overdue: one more notice, once.
    expect(await notifierEcheances(t.orm.em.fork() as EntityManager, dayOffset(1))).toBe(2); // overdue + "Demain" due
    expect(await notifierEcheances(t.orm.em.fork() as EntityManager, dayOffset(1))).toBe(0);
  });

  it('runs as a pg-boss cron job (one enqueue per tick across instances)', async () => {
    const [schedule] = await t.sql(`select name, cron from pgboss.schedule where name = 'notifications.echeances'`);
    expect(schedule).toMatchObject({ cron: '*/15 * * * *' });
    await manager.post('/taches/', {
      titre: 'Par le job',
      client: clientA,
      assigneA: aliceId,
      priorite: 'basse',
      dateEcheance: dayOffset(0),
    });
    await echeancesJob.run({}, { id: 'x', name: echeancesJob.name, retryCount: 0, retryLimit: 0 }, t.deps);
    expect((await unread(alice)).results.map((n: any) => n.message)).toContain(
      `Tâche « Par le job » à faire aujourd'hui`,
    );
  });
});

describe('Server-Sent Events stream', () => {
  async function listen(app: App): Promise<number> {
    await app.app.listen({ port: 0, host: '127.0.0.1' });
    return (app.app.server.address() as AddressInfo).port;
  }
  /** Opens the stream and collects `nonLues` values. */
  function stream(port: number, headers: Record<string, string>) {
    const values: number[] = [];
    let status = 0;
    let contentType = '';
    let req!: http.ClientRequest;
    const ready = new Promise<void>((resolve, reject) => {
      req = http.get({ host: '127.0.0.1', port, path: '/api/notifications/flux/', headers }, (res) => {
        status = res.statusCode ?? 0;
        contentType = String(res.headers['content-type']);
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = /^event: nonLues\ndata: (.*)$/m.exec(block);
            if (data) values.push(JSON.parse(data[1]).nonLues);
          }
        });
        resolve();
      });
      req.on('error', reject);
    });
    return { values, ready, status: () => status, contentType: () => contentType, close: () => req.destroy() };
  }
  const until = async (fn: () => boolean, what: string) => {
    for (let i = 0; i < 100 && !fn(); i++) await new Promise((r) => setTimeout(r, 50));
    if (!fn()) throw new Error(`timed out waiting for ${what}`);
  };

  it('pushes the unread count at once and after changes made on another instance (Redis); 401 without credentials', async () => {
    const [portA, portB] = [await listen(t), await listen(b)];
    await alice.post('/notifications/tout-lu/');
    // alice listens on instance B with her bearer token; the SPA uses the session cookie (same check).
    const s = stream(portB, { authorization: `Bearer ${alice.token}` });
    await s.ready;
    expect(s.status()).toBe(200);
    expect(s.contentType()).toMatch(/^text\/event-stream/);
    await until(() => s.values.length === 1, 'initial count');
    expect(s.values).toEqual([0]);
    // a tâche assigned to alice on instance A
    await manager.post('/taches/', {
      titre: 'Rappeler',
      client: clientA,
      assigneA: aliceId,
      priorite: 'haute',
      dateEcheance: dayOffset(2),
    });
    await until(() => s.values.at(-1) === 1, 'count after assignment');
    await alice.post('/notifications/tout-lu/');
    await until(() => s.values.at(-1) === 0, 'count after reading');
    s.close();

    const login = await t.anonymous().post('/auth/login/', { username: 'alice', password: 'Secret-pass-2026' });
    const cookie = (login.headers['set-cookie'] as string[]).map((c) => c.split(';')[0]).join('; ');
    const byCookie = stream(portA, { cookie });
    await byCookie.ready;
    await until(() => byCookie.values.length === 1, 'cookie stream');
    byCookie.close();

    const anon = stream(portA, {});
    await anon.ready;
    expect(anon.status()).toBe(401);
    anon.close();
  });
});
