import type { LightMyRequestResponse } from 'fastify';
import { hash } from '@node-rs/argon2';
import { createTestDatabase } from '@crm/db';
import { createApp as createUncheckedApp, type App } from '../src/app.js';
import { sql } from '../src/lib/sql/runner.js';
import type { ServerPlugin } from '../src/routes/plugin.js';
import { validateRestAnswers } from './openapiValidator.js';

/** Package export `@crm/api/testing`: the API's test harness, for other packages' tests (client, web e2e). */

export const PASSWORD = 'Secret-pass-2026';

const testHashes = new Map<string, Promise<string>>();
/**
 * The stored hash of users that tests insert directly: a real argon2id hash that the login route
 * verifies like any other, but at the smallest cost (1 MiB, 1 pass) and made once per password and
 * process. At the app's cost (19 MiB, 2 passes: `auth/passwords.ts`) each hash and each login took
 * 50–200 ms of CPU, hundreds of times per run. Users created through the API get the app's cost,
 * and `users.test.ts` checks those parameters.
 */
export function testPasswordHash(password: string = PASSWORD): Promise<string> {
  let h = testHashes.get(password);
  if (!h) {
    h = hash(password, { algorithm: 2 /* Argon2id */, memoryCost: 1024, timeCost: 1, parallelism: 1 });
    testHashes.set(password, h);
  }
  return h;
}

export interface TestApp extends App {
  dbUrl: string;
  /** Creates a user directly in the database; returns its id. */
  user(
    username: string,
    role?: 'admin' | 'manager' | 'commercial',
    extra?: { email?: string; isActive?: boolean },
  ): Promise<number>;
  /** Logs in over REST; returns a Bearer client. */
  as(username: string, password?: string): Promise<RestClient>;
  anonymous(): RestClient;
  /** Counts SQL statements sent to PostgreSQL while `fn` runs. */
  countSql<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }>;
  sql<T = any>(text: string, params?: unknown[]): Promise<T[]>;
}

/**
 * The statements of `countSql` but the session check's (its cache is per test app: a token it has
 * not seen yet costs one statement before the request's own).
 */
export const withoutSessionCheck = (statements: string[]) => statements.filter((s) => !/ from sessions s\b/.test(s));

export interface RestClient {
  token?: string;
  refresh?: string;
  userId?: number;
  get(path: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  put(path: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  patch(path: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  delete(path: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

function restClient(app: App, token?: string): RestClient {
  const send =
    (method: string) =>
    (path: string, body?: unknown, headers: Record<string, string> = {}) =>
      app.app.inject({
        method: method as any,
        url: `/api${path}`,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        payload: body !== undefined ? JSON.stringify(body) : undefined,
      });
  return {
    token,
    get: (path, headers) => send('GET')(path, undefined, headers),
    post: send('POST'),
    put: send('PUT'),
    patch: send('PATCH'),
    delete: (path, headers) => send('DELETE')(path, undefined, headers),
  };
}

/** createApp whose REST answers (`app.inject`) are checked against its OpenAPI document. */
export async function createApp(options: Parameters<typeof createUncheckedApp>[0]): Promise<App> {
  const app = await createUncheckedApp(options);
  validateRestAnswers(app.app);
  return app;
}

export async function startTestApp(
  opts: {
    env?: Record<string, string>;
    plugins?: ServerPlugin[] /** A database made by the test (another server); dropped on close. */;
    database?: { url: string; drop: () => Promise<void>; release?: () => Promise<void> };
    poolMax?: number;
  } = {},
): Promise<TestApp> {
  const db = opts.database ?? (await createTestDatabase('crm_test', { template: true }));
  const app = await createApp({
    databaseUrl: db.url,
    env: { NODE_ENV: 'test', JWT_SECRET: 'test-secret-that-is-long-enough-0123456789', ...opts.env },
    config: { secureCookies: false },
    plugins: opts.plugins,
    poolMax: opts.poolMax,
  });
  const knex = app.orm.em.getConnection().getKnex();
  const t: TestApp = {
    ...app,
    dbUrl: db.url,
    async close() {
      await app.close();
      // The run drops its databases at its end (TestDatabase.release); a database passed in is dropped now.
      await (db.release ?? db.drop)();
    },
    async user(username, role = 'commercial', extra = {}) {
      const [row] = await sql(
        app.orm.em.fork(),
        `insert into users (username, email, password_hash, role, is_active, first_name, last_name)
        values (?, ?, ?, ?, ?, ?, ?) returning id`,
        [
          username,
          extra.email ?? `${username}@example.fr`,
          await testPasswordHash(),
          role,
          extra.isActive ?? true,
          username,
          'Test',
        ],
      );
      return row.id;
    },
    async as(username, password = PASSWORD) {
      const res = await restClient(app).post('/auth/login/', { username, password });
      if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
      const body = res.json();
      const c = restClient(app, body.access);
      c.refresh = body.refresh;
      c.userId = body.user.id;
      return c;
    },
    anonymous: () => restClient(app),
    async countSql(fn) {
      const statements: string[] = [];
      const listener = (q: { sql: string }) => statements.push(q.sql);
      knex.on('query', listener);
      try {
        const result = await fn();
        return { result, statements };
      } finally {
        knex.off('query', listener);
      }
    },
    sql: (text, params) => sql(app.orm.em.fork(), text, params),
  };
  return t;
}
