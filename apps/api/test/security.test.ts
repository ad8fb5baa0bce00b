import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { startTestApp, type RestClient, type TestApp } from './helpers.js';
import type { ServerPlugin } from '../src/routes/plugin.js';
import { appRouter } from '../src/router.js';

/**
 * Cross-cutting security: CSRF on REST and tRPC, authentication of every path, headers, and errors
 * that never leak a stack trace or SQL.
 */

const GENERIC_500 = { code: 'INTERNAL_SERVER_ERROR', message: 'Erreur interne du serveur.', fieldErrors: {} };
const LEAKS = /select|insert|relation|postgres|sql|stack|at \w+ \(|\.ts:\d+|node_modules|password_hash/i;

/** Test-only routes: a plain route that crashes with an SQL-looking message, one failing with PG error 22021. */
const crashPlugin: ServerPlugin = (app) => {
  app.get('/api/__test/crash/', async () => {
    throw Object.assign(new Error('select password_hash from users where id = 1 -- relation "secret" does not exist'), {
      code: 'XX000',
    });
  });
  app.get('/api/__test/nul/', async () => {
    throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
  });
};

let t: TestApp;
let admin: RestClient;
let manager: RestClient;
let alice: RestClient;

beforeAll(async () => {
  t = await startTestApp({ plugins: [crashPlugin] });
  await t.user('admin', 'admin');
  await t.user('manager', 'manager');
  await t.user('alice', 'commercial');
  [admin, manager, alice] = await Promise.all([t.as('admin'), t.as('manager'), t.as('alice')]);
});
afterAll(async () => t?.close());

/** Logs in like the SPA: returns the cookie jar (access, refresh, csrftoken). */
async function spaLogin(username: string): Promise<Record<string, string>> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/auth/login/',
    headers: { 'content-type': 'application/json' },
    payload: { username, password: 'Secret-pass-2026' },
  });
  expect(res.statusCode).toBe(200);
  return Object.fromEntries(res.cookies.map((c) => [c.name, c.value]));
}
const cookieHeader = (jar: Record<string, string>) =>
  Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');

function inject(
  method: string,
  url: string,
  opts: { body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const payload = opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined);
  return t.app.inject({
    method: method as any,
    url,
    headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    payload,
  });
}

const CSRF_403 = { code: 'FORBIDDEN', message: 'Échec de la vérification CSRF.', fieldErrors: {} };

describe('CSRF (double submit) on cookie-authenticated requests', () => {
  let jar: Record<string, string>;
  let cookie: string;
  let clientId: number;
  beforeAll(async () => {
    jar = await spaLogin('manager');
    cookie = cookieHeader({ crm_access: jar.crm_access, csrftoken: jar.csrftoken });
    clientId = (await manager.post('/clients/', { nom: 'Cible CSRF' })).json().id;
  });

  it('REST POST/PUT/PATCH/DELETE without the header or with a wrong one → 403 FORBIDDEN, nothing changed', async () => {
    const attempts: [string, string, unknown?][] = [
      ['POST', '/api/clients/', { nom: 'Par CSRF' }],
      ['PUT', `/api/clients/${clientId}/`, { nom: 'Par CSRF' }],
      ['PATCH', `/api/clients/${clientId}/`, { nom: 'Par CSRF' }],
      ['DELETE', `/api/clients/${clientId}/`],
    ];
    for (const [method, url, body] of attempts) {
      for (const headers of [{ cookie }, { cookie, 'x-csrftoken': 'wrong' }, { cookie, 'x-csrftoken': '' }] as Record<
        string,
        string
      >[]) {
        const res = await inject(method, url, { body, headers });
        expect(res.statusCode, `${method} ${url} ${JSON.stringify(headers).slice(-30)}`).toBe(403);
        expect(res.json()).toEqual(CSRF_403);
      }
    }
    const en = await inject('POST', '/api/clients/', {
      body: { nom: 'x' },
      headers: { cookie, 'accept-language': 'en' },
    });
    expect(en.json()).toEqual({ code: 'FORBIDDEN', message: 'CSRF verification failed.', fieldErrors: {} });
    expect((await manager.get(`/clients/${clientId}/`)).json().nom).toBe('Cible CSRF');
    expect((await manager.get('/clients/?search=Par%20CSRF')).json().count).toBe(0);
  });

  it('a csrftoken cookie and header that match each other but not the session (planted cookie) → 403', async () => {
    const planted = cookieHeader({ crm_access: jar.crm_access, csrftoken: 'attacker-chosen-value' });
    const res = await inject('POST', '/api/clients/', {
      body: { nom: 'x' },
      headers: { cookie: planted, 'x-csrftoken': 'attacker-chosen-value' },
    });
    expect(res.statusCode).toBe(403);
    // Another session's token does not fit this one either.
    const other = await spaLogin('manager');
    const mixed = await inject('POST', '/api/clients/', {
      body: { nom: 'x' },
      headers: {
        cookie: cookieHeader({ crm_access: jar.crm_access, csrftoken: other.csrftoken }),
        'x-csrftoken': other.csrftoken,
      },
    });
    expect(mixed.statusCode).toBe(403);
  });

  it('REST with the right header → OK (POST 201, PATCH 200, DELETE 204)', async () => {
    const headers = { cookie, 'x-csrftoken': jar.csrftoken };
    const created = await inject('POST', '/api/clients/', { body: { nom: 'Par le SPA' }, headers });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect((await inject('PATCH', `/api/clients/${id}/`, { body: { notes: 'ok' }, headers })).statusCode).toBe(200);
    expect((await inject('DELETE', `/api/clients/${id}/`, { headers })).statusCode).toBe(204);
  });

  it('GET with the cookie needs no CSRF header', async () => {
    const res = await inject('GET', '/api/clients/', { headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect((await inject('GET', '/api/auth/user/', { headers: { cookie } })).json().username).toBe('manager');
  });

  it('Bearer requests are exempt', async () => {
    const res = await manager.post('/clients/', { nom: 'Tiers par Bearer' });
    expect(res.statusCode).toBe(201);
    expect((await manager.delete(`/clients/${res.json().id}/`)).statusCode).toBe(204);
  });

  it('tRPC: mutation POST /trpc/clients.create by cookie without or with a wrong header → 403; with it → OK; queries by GET need none', async () => {
    for (const headers of [{ cookie }, { cookie, 'x-csrftoken': 'nope' }] as Record<string, string>[]) {
      const res = await inject('POST', '/trpc/clients.create', { body: { nom: 'tRPC CSRF' }, headers });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatchObject({
        message: 'Échec de la vérification CSRF.',
        data: { code: 'FORBIDDEN', httpStatus: 403, fieldErrors: {} },
      });
    }
    const ok = await inject('POST', '/trpc/clients.create', {
      body: { nom: 'tRPC SPA' },
      headers: { cookie, 'x-csrftoken': jar.csrftoken },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().result.data).toMatchObject({ nom: 'tRPC SPA' });
    const del = await inject('POST', '/trpc/clients.delete', {
      body: { id: ok.json().result.data.id },
      headers: { cookie },
    });
    expect(del.statusCode).toBe(403);
    const list = await inject(
      'GET',
      `/trpc/clients.list?input=${encodeURIComponent(JSON.stringify({ search: 'tRPC SPA' }))}`,
      { headers: { cookie } },
    );
    expect(list.statusCode).toBe(200);
    expect(list.json().result.data.count).toBe(1);
    // A mutation cannot be smuggled through GET (no CSRF check on GET): tRPC refuses the method.
    const viaGet = await inject(
      'GET',
      `/trpc/clients.create?input=${encodeURIComponent(JSON.stringify({ nom: 'Par GET' }))}`,
      { headers: { cookie } },
    );
    expect(viaGet.statusCode).toBe(405);
    expect((await manager.get('/clients/?search=Par%20GET')).json().count).toBe(0);
    // Bearer over tRPC: exempt.
    const bearer = await inject('POST', '/trpc/clients.create', {
      body: { nom: 'tRPC Bearer' },
      headers: { authorization: `Bearer ${manager.token}` },
    });
    expect(bearer.statusCode).toBe(200);
  });
});

describe('roles', () => {
  it('every DELETE is 403 for a commercial (even on their own client); cascade is admin only', async () => {
    const own = (await alice.post('/clients/', { nom: 'À Alice' })).json();
    const res = await alice.delete(`/clients/${own.id}/`);
    expect(res.statusCode).toBe(403);
    expect(res.json()).toEqual({
      code: 'FORBIDDEN',
      message: "Vous n'avez pas la permission d'effectuer cette action.",
      fieldErrors: {},
    });
    const trpc = await inject('POST', '/trpc/clients.delete', {
      body: { id: own.id },
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(trpc.statusCode).toBe(403);
    expect((await manager.delete(`/clients/${own.id}/?cascade=true`)).statusCode).toBe(403);
    expect((await alice.get(`/clients/${own.id}/`)).statusCode).toBe(200);
    expect((await admin.delete(`/clients/${own.id}/?cascade=true`)).statusCode).toBe(204);
  });
});

describe('audit log', () => {
  it('records deletions of domain objects (REST and tRPC) with who, what and options; not refused ones', async () => {
    const c1 = (await alice.post('/clients/', { nom: 'Audité 1' })).json();
    const c2 = (await alice.post('/clients/', { nom: 'Audité 2' })).json();
    expect((await alice.delete(`/clients/${c1.id}/`)).statusCode).toBe(403);
    expect((await manager.delete(`/clients/${c1.id}/`)).statusCode).toBe(204);
    const trpc = await inject('POST', '/trpc/clients.delete', {
      body: { id: c2.id, cascade: 'true' },
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(trpc.statusCode).toBe(200);
    const rows = await t.sql(
      `select a.action, a.entity, a.entity_id, a.details, u.username from audit_log a join users u on u.id = a.user_id
      where a.action = 'delete' and a.entity_id in (?, ?) order by a.id`,
      [c1.id, c2.id],
    );
    expect(rows).toEqual([
      {
        action: 'delete',
        entity: 'clients',
        entity_id: c1.id,
        details: { procedure: 'clients.delete' },
        username: 'manager',
      },
      {
        action: 'delete',
        entity: 'clients',
        entity_id: c2.id,
        details: { procedure: 'clients.delete', cascade: 'true' },
        username: 'admin',
      },
    ]);
  });

  it('records login and logout', async () => {
    const c = await t.as('alice');
    expect((await c.post('/auth/logout/')).statusCode).toBe(204);
    const [row] = await t.sql(`select
      (select count(*) from audit_log a join users u on u.id = a.user_id where u.username = 'alice' and action = 'login')::int as logins,
      (select count(*) from audit_log a join users u on u.id = a.user_id where u.username = 'alice' and action = 'logout')::int as logouts`);
    expect(row.logins).toBeGreaterThanOrEqual(2);
    expect(row.logouts).toBe(1);
  });
});

describe('security headers', () => {
  function expectSecurityHeaders(res: LightMyRequestResponse) {
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBeDefined();
    expect(String(res.headers['content-security-policy'])).toMatch(/default-src 'self'/);
    expect(String(res.headers['content-security-policy'])).toMatch(/frame-ancestors 'none'/);
    // HSTS only when cookies are Secure (production); tests run without.
    expect(res.headers['strict-transport-security']).toBeUndefined();
  }

  it('on every API answer (success, 401, 404, 400, tRPC), with Cache-Control: no-store', async () => {
    const answers = [
      await inject('GET', '/api/health/'),
      await manager.get('/clients/'),
      await inject('GET', '/api/clients/'),
      await inject('GET', '/api/nope/'),
      await manager.get('/clients/?pageSize=1000'),
      await inject('GET', '/trpc/clients.list'),
      await inject('GET', '/api/openapi.json'),
      await inject('POST', '/api/auth/login/', { body: { username: 'manager', password: 'Secret-pass-2026' } }),
    ];
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 401, 404, 400, 401, 200, 200]);
    for (const res of answers) {
      expectSecurityHeaders(res);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('on the docs page', async () => {
    const res = await inject('GET', '/api/docs/');
    expect(res.statusCode).toBe(200);
    expectSecurityHeaders(res);
  });
});

describe('errors never leak', () => {
  it('a crash in a plain route → 500 with exactly the contract body, no SQL, no stack', async () => {
    const res = await inject('GET', '/api/__test/crash/', { headers: { authorization: `Bearer ${manager.token}` } });
    expect(res.statusCode).toBe(500);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.json()).toEqual(GENERIC_500);
    expect(res.body).not.toMatch(LEAKS);
    const en = await inject('GET', '/api/__test/crash/', { headers: { 'accept-language': 'en' } });
    expect(en.json()).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error.', fieldErrors: {} });
  });

  it('a procedure failing in the database (table gone) → 500 contract body over REST and tRPC, no SQL', async () => {
    await t.sql(`alter table clients rename to clients_hidden_for_test`);
    try {
      const rest = await manager.get('/clients/');
      expect(rest.statusCode).toBe(500);
      expect(rest.json()).toEqual(GENERIC_500);
      expect(rest.body).not.toMatch(LEAKS);
      expect(rest.body).not.toMatch(/clients_hidden|does not exist/);
      const trpc = await inject('GET', `/trpc/clients.list?input=${encodeURIComponent('{}')}`, {
        headers: { authorization: `Bearer ${manager.token}` },
      });
      expect(trpc.statusCode).toBe(500);
      expect(trpc.json().error).toEqual({
        message: 'Erreur interne du serveur.',
        code: -32603,
        data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500, path: 'clients.list', fieldErrors: {} },
      });
      expect(trpc.body).not.toMatch(LEAKS);
      const write = await manager.post('/clients/', { nom: 'x' });
      expect(write.statusCode).toBe(500);
      expect(write.json()).toEqual(GENERIC_500);
    } finally {
      await t.sql(`alter table clients_hidden_for_test rename to clients`);
    }
    expect((await manager.get('/clients/')).statusCode).toBe(200);
  });

  it('malformed JSON → 400 contract shape (REST; tRPC carries the same fields in its error envelope)', async () => {
    for (const url of ['/api/clients/', '/api/auth/login/', '/api/auth/refresh/']) {
      const res = await inject('POST', url, {
        raw: '{"nom": "x",',
        headers: { authorization: `Bearer ${manager.token}` },
      });
      expect(res.statusCode, url).toBe(400);
      expect(res.json()).toEqual({ code: 'BAD_REQUEST', message: 'Requête invalide.', fieldErrors: {} });
    }
    const trpc = await inject('POST', '/trpc/clients.create', {
      raw: '{"nom": "x",',
      headers: { authorization: `Bearer ${manager.token}` },
    });
    expect(trpc.statusCode).toBe(400);
    expect(trpc.json().error).toMatchObject({
      message: 'Requête invalide.',
      data: { code: 'BAD_REQUEST', httpStatus: 400, fieldErrors: {} },
    });
  });

  it('U+0000 and other control characters in user text are stripped (tab, newline, CR kept), never a 500', async () => {
    const res = await manager.post('/clients/', {
      nom: 'Acme\u0000 Corp\u0007',
      societe: '\u001bSoc\u0000',
      notes: 'ligne 1\r\nligne\t2\u0000',
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ nom: 'Acme Corp', societe: 'Soc', notes: 'ligne 1\r\nligne\t2' });
    const blank = await manager.post('/clients/', { nom: '\u0000\u0001' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().fieldErrors.nom).toBeDefined();
    const patched = await manager.patch(`/clients/${res.json().id}/`, { nom: 'Re\u0000nommé' });
    expect(patched.json().nom).toBe('Renommé');
    expect((await manager.get('/clients/?search=Ac%00me')).statusCode).toBe(200);
    const login = await inject('POST', '/api/auth/login/', {
      body: { username: 'man\u0000ager', password: 'wrong-password' },
    });
    expect(login.statusCode).toBe(401);
  });

  it('a NUL that still reaches PostgreSQL (22021) is a 400, not a 500', async () => {
    const filter = await manager.get('/clients/?categorie=a%00b');
    expect(filter.statusCode).toBe(400);
    expect(filter.json().code).toBe('BAD_REQUEST');
    const plain = await inject('GET', '/api/__test/nul/');
    expect(plain.statusCode).toBe(400);
    expect(plain.json()).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { nonFieldErrors: ['Valeur invalide.'] } });
  });
});

describe('authentication required everywhere under /api', () => {
  // The contract's public paths; the calendar feed and the public devis pages are authorised by
  // their secret URL (contract, Extensions).
  const PUBLIC = new Set([
    '/auth/login/',
    '/auth/refresh/',
    '/health/',
    '/openapi.json',
    '/docs/',
    '/calendrier/{token}.ics',
  ]);
  const isPublicPath = (rel: string) => PUBLIC.has(rel) || rel.startsWith('/public/devis/');

  it('every REST path of /api/openapi.json answers 401 without credentials, except the public ones', async () => {
    const doc = (await inject('GET', '/api/openapi.json')).json();
    const checked: string[] = [];
    const wrong: string[] = [];
    for (const [path, item] of Object.entries<Record<string, unknown>>(doc.paths)) {
      const rel = path.replace(/^\/api/, '');
      for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
        const op = item[method] as { security?: unknown[] } | undefined;
        if (!op) continue;
        // The document declares exactly the contract's public operations public (`security: []`).
        if ((op.security?.length === 0) !== isPublicPath(rel))
          wrong.push(`${method.toUpperCase()} ${rel}: security ${JSON.stringify(op.security)}`);
        if (isPublicPath(rel)) continue;
        const url = `/api${rel.replace(/\{[^}]+\}/g, '1')}`;
        const res = await inject(method.toUpperCase(), url, {
          body: ['post', 'put', 'patch'].includes(method) ? {} : undefined,
        });
        checked.push(`${method} ${rel}`);
        if (res.statusCode !== 401 || res.json().code !== 'UNAUTHORIZED')
          wrong.push(`${method.toUpperCase()} ${url} → ${res.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
    // The walk covered the known surface (more paths land as the domains do).
    expect(checked).toEqual(
      expect.arrayContaining([
        'get /clients/',
        'delete /clients/{id}/',
        'post /users/',
        'patch /users/{id}/',
        'get /auth/user/',
        'post /auth/logout/',
        'put /auth/password/change/',
      ]),
    );
    expect(checked.length).toBeGreaterThanOrEqual(15);
  });

  it('the public ones answer without credentials', async () => {
    expect((await inject('GET', '/api/health/')).statusCode).toBe(200);
    expect((await inject('GET', '/api/openapi.json')).statusCode).toBe(200);
    expect((await inject('GET', '/api/docs/')).statusCode).toBe(200);
    expect((await inject('POST', '/api/auth/login/', { body: {} })).statusCode).toBe(400);
    expect((await inject('POST', '/api/auth/refresh/', { body: {} })).statusCode).toBe(401);
    // Unknown calendar token: 404, nothing to see.
    expect((await inject('GET', '/api/calendrier/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.ics')).statusCode).toBe(404);
  });

  it('every tRPC procedure answers 401 without credentials, except login, refresh and health', async () => {
    const procedures = (appRouter as any)._def.procedures as Record<string, { _def: { type: 'query' | 'mutation' } }>;
    const wrong: string[] = [];
    let n = 0;
    for (const [path, proc] of Object.entries(procedures)) {
      if (['auth.login', 'auth.refresh', 'health.check'].includes(path)) continue;
      n++;
      const res =
        proc._def.type === 'query'
          ? await inject('GET', `/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ id: 1 }))}`)
          : await inject('POST', `/trpc/${path}`, { body: { id: 1 } });
      if (res.statusCode !== 401) wrong.push(`${path} → ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
    expect(n).toBeGreaterThanOrEqual(10);
  });
});
