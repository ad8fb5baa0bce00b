import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { CACHE_TTL_SECONDS } from '../src/config.js';
import { createAnswerCache, paramsKey } from '../src/lib/answerCache.js';
import { createApp, startTestApp, type TestApp } from './helpers.js';

/** Redis database reserved for these tests, so that other suites' writes do not bump our version. */
const REDIS_URL = 'redis://127.0.0.1:6379/7';
const memoryCache = () => createAnswerCache({ redisPrefix: 'crm:', ttlSeconds: CACHE_TTL_SECONDS });

describe('in-process answer cache', () => {
  it('serves a hit until the data version is bumped', async () => {
    const cache = memoryCache();
    let computed = 0;
    const compute = async () => ++computed;
    expect(await cache.getOrCompute('k', compute)).toBe(1);
    expect(await cache.getOrCompute('k', compute)).toBe(1);
    expect(await cache.getOrCompute('other', compute)).toBe(2);
    await cache.bumpDataVersion();
    expect(await cache.getOrCompute('k', compute)).toBe(3);
  });

  it('does not keep an answer computed while a write happened', async () => {
    const cache = memoryCache();
    let computed = 0;
    const first = await cache.getOrCompute('k', async () => {
      await cache.bumpDataVersion(); // a mutation lands during the computation
      return ++computed;
    });
    expect(first).toBe(1);
    expect(await cache.getOrCompute('k', async () => ++computed)).toBe(2);
  });

  it('concurrent misses of one key share one computation', async () => {
    const cache = memoryCache();
    let computed = 0;
    const slow = async () => {
      computed++;
      await new Promise((r) => setTimeout(r, 20));
      return 'answer';
    };
    expect(await Promise.all([1, 2, 3].map(() => cache.getOrCompute('k', slow)))).toEqual([
      'answer',
      'answer',
      'answer',
    ]);
    expect(computed).toBe(1);
  });

  it('one cache per app (a plain member of its deps); keys ignore param order and undefined', async () => {
    expect(memoryCache()).not.toBe(memoryCache());
    expect(paramsKey({ b: 1, a: 'x', c: undefined })).toBe(paramsKey({ a: 'x', b: 1 }));
  });

  it('answers without the cache when Redis is down', async () => {
    const redis = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    const cache = createAnswerCache({ redis, redisPrefix: 'crm:', ttlSeconds: CACHE_TTL_SECONDS });
    expect(await cache.getOrCompute('k', async () => 42)).toBe(42);
    await expect(cache.bumpDataVersion()).resolves.toBeUndefined();
    redis.disconnect();
  });
});

describe('Redis answer cache across two API instances', () => {
  let a: TestApp;
  let b: App;
  let redis: Redis;
  let token: string;
  const get = (app: App, url: string) =>
    app.app.inject({ method: 'GET', url: `/api${url}`, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    a = await startTestApp({ env: { REDIS_URL } });
    b = await createApp({
      databaseUrl: a.dbUrl,
      env: { NODE_ENV: 'test', JWT_SECRET: 'test-secret-that-is-long-enough-0123456789', REDIS_URL },
      config: { secureCookies: false },
    });
    redis = new Redis(REDIS_URL);
    await a.user('admin', 'admin');
    token = (await a.as('admin')).token!;
  });
  afterAll(async () => {
    redis?.disconnect();
    await b?.close();
    await a?.close();
  });

  it('a write on one instance invalidates the answers cached by the other', async () => {
    await a.sql(`insert into clients (nom) values ('Premier')`);
    await a.deps.answerCache.bumpDataVersion();
    const first = (await get(b, '/dashboard/stats/')).json();
    // Cached in Redis: instance A answers from it without querying (only the session check). The
    // row is written behind the app's back (not through its SQL runner, which would invalidate).
    await a.orm.em.getConnection().execute(`insert into clients (nom) values ('Invisible au cache')`);
    const hit = await a.countSql(() => get(a, '/dashboard/stats/'));
    expect(hit.result.json()).toEqual(first);
    expect(hit.statements).toHaveLength(1);

    const version = Number(await redis.get('crm:cache:version'));
    const created = await a.app.inject({
      method: 'POST',
      url: '/api/clients/',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ nom: 'Créé par A' }),
    });
    expect(created.statusCode).toBe(201);
    expect(Number(await redis.get('crm:cache:version'))).toBe(version + 1);
    expect((await get(b, '/dashboard/stats/')).json().totalClients).toBe(first.totalClients + 2);
  });

  it('entries expire on their own (short TTL)', async () => {
    await get(a, '/rapports/pipeline/');
    const keys = await redis.keys('crm:cache:v*:rapports.pipeline:*');
    expect(keys.length).toBeGreaterThan(0);
    const ttl = await redis.ttl(keys[0]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(CACHE_TTL_SECONDS);
  });

  it('logins and token refreshes (session mutations) do not invalidate', async () => {
    const version = await redis.get('crm:cache:version');
    const admin = await a.as('admin');
    expect((await admin.post('/auth/refresh/', { refresh: admin.refresh })).statusCode).toBe(200);
    expect(await redis.get('crm:cache:version')).toBe(version);
  });

  it('a failed mutation does not invalidate', async () => {
    const version = await redis.get('crm:cache:version');
    const bad = await a.app.inject({
      method: 'POST',
      url: '/api/clients/',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({}),
    });
    expect(bad.statusCode).toBe(400);
    expect(await redis.get('crm:cache:version')).toBe(version);
  });
});
