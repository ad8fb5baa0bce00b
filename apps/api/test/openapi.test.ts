import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/lib/restMeta.js';
import { z } from 'zod';
import { buildOpenApiDocument, TAGS } from '../src/lib/openapiDoc.js';
import { router } from '../src/trpc/init.js';
import { authedProcedure } from '../src/trpc/procedures.js';
import { DocumentValidator } from './openapiValidator.js';
import { PASSWORD, startTestApp, type TestApp } from './helpers.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const API_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let t: TestApp;
let doc: any;
const ops: { path: string; method: string; op: any }[] = [];
const op = (method: string, p: string) => doc.paths[p]?.[method];
const resolve = (r: any) =>
  r?.$ref
    ? r.$ref
        .slice(2)
        .split('/')
        .reduce((o: any, k: string) => o[k], doc)
    : r;

beforeAll(async () => {
  t = await startTestApp();
  await t.user('paul', 'commercial');
  const res = await t.anonymous().get('/openapi.json', { host: 'crm.exemple.fr' });
  doc = res.json();
  for (const [p, item] of Object.entries<any>(doc.paths))
    for (const [m, o] of Object.entries<any>(item)) ops.push({ path: p, method: m, op: o });
});
afterAll(async () => t?.close());

describe('OpenAPI document: statuses as served', () => {
  it('creates answer 201, deletes, logout and password change 204 without a body', () => {
    for (const p of [
      '/clients/',
      '/projets/',
      '/opportunites/',
      '/taches/',
      '/devis/',
      '/users/',
      '/devis/{id}/nouvelle-version/',
    ]) {
      expect(Object.keys(op('post', p).responses), p).toContain('201');
      expect(op('post', p).responses['200'], p).toBeUndefined();
    }
    const bodiless = [
      ...ops.filter((o) => o.method === 'delete'),
      { op: op('post', '/auth/logout/') },
      { op: op('put', '/auth/password/change/') },
    ];
    expect(bodiless.length).toBeGreaterThanOrEqual(6);
    for (const { op: o } of bodiless) {
      expect(o.responses['204'].content, o.operationId).toBeUndefined();
      expect(o.responses['200'], o.operationId).toBeUndefined();
    }
  });

  it('every operation lists the errors it can answer, in the contract shape', () => {
    for (const { path: p, method, op: o } of ops) {
      const statuses = Object.keys(o.responses);
      const where = `${method} ${p}`;
      expect(statuses, where).toContain('500');
      if (o.security.length) expect(statuses, where).toEqual(expect.arrayContaining(['401', '403']));
      if (p.includes('{')) expect(statuses, where).toContain('404');
      if (['post', 'put', 'patch'].includes(method))
        expect(statuses, where).toEqual(expect.arrayContaining(['400', '413', '415']));
      for (const s of statuses.filter((s) => Number(s) >= 400 && !(p === '/health/' && s === '503'))) {
        const schema = resolve(o.responses[s]).content['application/json'].schema;
        expect(schema.allOf[0], `${where} ${s}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    expect(Object.keys(op('post', '/auth/login/').responses)).toEqual(expect.arrayContaining(['400', '401', '429']));
    expect(Object.keys(op('post', '/auth/refresh/').responses)).toEqual(expect.arrayContaining(['401', '403']));
    expect(Object.keys(op('post', '/opportunites/{id}/avancer-etape/').responses)).toEqual(
      expect.arrayContaining(['404', '409']),
    );
    expect(Object.keys(op('post', '/clients/').responses)).toContain('409');
    expect(op('get', '/health/').responses['503'].content['application/json'].schema).toEqual(
      op('get', '/health/').responses['200'].content['application/json'].schema,
    );
    for (const [m, p] of [
      ['post', '/auth/login/'],
      ['put', '/auth/password/change/'],
    ]) {
      expect(resolve(op(m, p).responses['429']).headers['Retry-After']).toMatchObject({ required: true });
    }
    // A failed login tells the failures left before the lockout.
    expect(resolve(op('post', '/auth/login/').responses['401']).headers['RateLimit-Remaining']).toMatchObject({
      required: true,
    });
  });

  it('the error code enum is every code the server sends; the adapter’s stale error.* schemas are gone', () => {
    expect(doc.components.schemas.Error.properties.code.enum).toEqual(ERROR_CODES);
    expect(Object.keys(doc.components.schemas).filter((k) => k.startsWith('error.'))).toEqual([]);
  });
});

describe('OpenAPI document: procedures and plain routes on one path', () => {
  const things = router({
    list: authedProcedure
      .meta({ openapi: { method: 'GET', path: '/things/', tags: ['imports'], summary: 'Liste' } })
      .input(z.object({}))
      .output(z.object({ ok: z.boolean() }))
      .query(() => ({ ok: true })),
  });
  const upload = {
    tags: ['imports'],
    operationId: 'things-upload',
    summary: 'Envoi',
    responses: { 200: { description: 'Créé', content: { 'application/json': { schema: { type: 'object' } } } } },
  };

  it('a GET procedure and a plain POST route of the same path are both kept, however the path is spelt', () => {
    // The generator writes `/things`; a plain route may say `/things/` or `/things`.
    for (const spelling of ['/things/', '/things']) {
      const d = buildOpenApiDocument(things, { [spelling]: { post: upload } });
      expect(
        Object.keys(d.paths).filter((k) => k.startsWith('/things')),
        spelling,
      ).toEqual(['/things/']);
      expect(Object.keys(d.paths['/things/']).sort(), spelling).toEqual(['get', 'post']);
      expect(d.paths['/things/'].post.operationId).toBe('things-upload');
      expect(d.paths['/things/'].get.summary).toBe('Liste');
    }
    // The same method described twice is a mistake of the code, not something to silently drop.
    expect(() => buildOpenApiDocument(things, { '/things/': { get: upload } })).toThrow(
      /GET \/things\/ described twice/,
    );
  });

  it('/imports/ has the list (GET, procedure) and the upload (POST, plain route)', () => {
    expect(op('get', '/imports/')?.operationId).toBe('imports-list');
    expect(op('get', '/imports/').responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ImportResumePage',
    });
    expect(op('post', '/imports/')?.operationId).toBe('imports-create');
    expect(Object.keys(op('post', '/imports/').requestBody.content)).toEqual(['multipart/form-data']);
  });
});

describe('OpenAPI document: security', () => {
  it('public operations say security: [], the others bearer or cookie (+ X-CSRFToken when they write)', () => {
    const publicOps = ops.filter((o) => o.op.security.length === 0).map((o) => `${o.method} ${o.path}`);
    expect(publicOps.filter((o) => !o.includes('/public/devis/')).sort()).toEqual(
      [
        'get /calendrier/{token}.ics',
        'get /docs/',
        'get /health/',
        'get /openapi.json',
        'post /auth/login/',
        'post /auth/refresh/',
      ].sort(),
    );
    for (const { method, op: o } of ops.filter((x) => x.op.security.length)) {
      expect(o.security).toEqual(
        ['post', 'put', 'patch', 'delete'].includes(method)
          ? [{ bearerAuth: [] }, { cookieAuth: [], csrfToken: [] }]
          : [{ bearerAuth: [] }, { cookieAuth: [] }],
      );
    }
    expect(doc.components.securitySchemes).toMatchObject({
      bearerAuth: { type: 'http', scheme: 'bearer' },
      cookieAuth: { type: 'apiKey', in: 'cookie', name: 'crm_access' },
      csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRFToken' },
    });
  });
});

describe('OpenAPI document: shapes as served', () => {
  it('optional bodies, strict montant, formats, ids, booleans, assigneA, named schemas, absolute server', () => {
    expect(resolve(op('post', '/auth/refresh/').requestBody).required).toBe(false);
    expect(resolve(op('post', '/opportunites/{id}/avancer-etape/').requestBody).required).toBe(false);
    expect(resolve(op('post', '/clients/').requestBody).required).toBe(true);
    const body = (name: string) => doc.components.requestBodies[name].content['application/json'].schema;
    const s = doc.components.schemas;
    expect(body('DevisCreate').properties.montant).toMatchObject({ exclusiveMinimum: 0 });
    expect(s.Devis.properties.montant).toMatchObject({ exclusiveMinimum: 0 });
    expect(s.Client.properties.dateCreation).toMatchObject({ format: 'date-time' });
    expect(s.Tache.properties.dateEcheance).toMatchObject({ format: 'date' });
    expect(s.Client.properties.id).toMatchObject({ type: 'integer', minimum: 1 });
    for (const { path: p, op: o } of ops) {
      const ids = (o.parameters ?? []).filter((x: any) => x.in === 'path' && x.name !== 'token');
      for (const param of ids) expect(param.schema, p).toMatchObject({ type: 'integer', minimum: 1 });
    }
    const query = (p: string, name: string) => op('get', p).parameters.find((x: any) => x.name === name).schema;
    expect(query('/taches/', 'enRetard')).toEqual({ type: 'boolean', description: expect.any(String) });
    expect(query('/projets/', 'enRetard').type).toBe('boolean');
    expect(query('/taches/', 'assigneA').oneOf).toEqual([
      expect.objectContaining({ type: 'integer', minimum: 1 }),
      { type: 'string', const: 'me' },
    ]);
    for (const name of [
      'Client',
      'ClientDetail',
      'Projet',
      'Opportunite',
      'Tache',
      'Devis',
      'DevisLigne',
      'User',
      'Error',
    ])
      expect(s[name], name).toBeDefined();
    expect(op('get', '/clients/{id}/').responses['200'].content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ClientDetail',
    });
    expect(s.ClientPage.properties.results.items).toEqual({ $ref: '#/components/schemas/Client' });
    expect(doc.servers[0].url).toBe('http://crm.exemple.fr/api');
  });
});

describe('OpenAPI document: readable', () => {
  it('French tags, a description on every operation and parameter, examples, license', () => {
    const declared = new Set(doc.tags.map((tag: any) => tag.name));
    for (const tag of doc.tags) expect(tag.description, tag.name).toBe(TAGS[tag.name]);
    const missing: string[] = [];
    for (const { path: p, method, op: o } of ops) {
      const where = `${method} ${p}`;
      if (!o.summary || !o.description) missing.push(`${where}: summary/description`);
      for (const tag of o.tags ?? []) if (!declared.has(tag)) missing.push(`${where}: tag ${tag} not declared`);
      if (!o.tags?.length) missing.push(`${where}: no tag`);
      for (const param of o.parameters ?? []) if (!param.description) missing.push(`${where}: parameter ${param.name}`);
      for (const [status, r] of Object.entries<any>(o.responses))
        if (/successful|error response/i.test(resolve(r).description))
          missing.push(`${where} ${status}: English description`);
    }
    expect(missing).toEqual([]);
    for (const name of [
      'Client',
      'ClientDetail',
      'Projet',
      'Opportunite',
      'Tache',
      'Devis',
      'DevisLigne',
      'User',
      'Error',
    ]) {
      expect(doc.components.schemas[name].examples?.length, name).toBeGreaterThan(0);
    }
    expect(doc.components.requestBodies.Login.content['application/json'].schema.examples?.length).toBeGreaterThan(0);
    expect(doc.info.license.name).toBeTruthy();
  });
});

describe('OpenAPI tooling', () => {
  it('passes `redocly lint` (recommended rules; the contract’s trailing slashes allowed)', async () => {
    const file = path.join(os.tmpdir(), `crm-openapi-${process.pid}.json`);
    fs.writeFileSync(file, JSON.stringify(doc));
    try {
      const cli = path.join(path.dirname(require.resolve('@redocly/cli/package.json')), 'bin/cli.js');
      const out = await run(
        process.execPath,
        [cli, 'lint', file, '--config', path.join(API_DIR, 'redocly.yaml'), '--format', 'json'],
        {
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
          maxBuffer: 20_000_000,
        },
      ).catch((e) => e);
      const report = JSON.parse(out.stdout);
      const problems = report.problems.map((pb: any) => `${pb.severity} ${pb.ruleId} ${pb.location?.[0]?.pointer}`);
      // Health and the documentation itself have no client error to declare (no input, public):
      // the recommended rule's warning is expected there and nowhere else.
      const noClientError = ['/health/', '/openapi.json', '/docs/'].map(
        (p) => `warn operation-4xx-response #/paths/${p.replace(/\//g, '~1')}/get/responses`,
      );
      expect(problems.filter((pb: string) => !noClientError.includes(pb))).toEqual([]);
      expect(out.code ?? 0).toBe(0);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }, 60_000);

  it('a client generated by openapi-typescript type-checks and runs a whole session with openapi-fetch', async () => {
    const dir = path.join(API_DIR, 'openapi-client');
    fs.writeFileSync(path.join(dir, 'api.d.ts'), astToString(await openapiTS(doc)));
    // The project's type checker (TypeScript 7's native tsgo, as `pnpm typecheck`).
    const tsgo = path.join(path.dirname(require.resolve('@typescript/native-preview/package.json')), 'bin/tsgo');
    const checked = await run(process.execPath, [tsgo, '-p', dir], { cwd: dir }).catch((e) => e);
    expect(`${checked.stdout ?? ''}${checked.stderr ?? ''}`).toBe('');

    // The same script, run against the API through app.inject (each answer checked against the document).
    const fetchViaInject = async (input: string | URL | Request, init?: RequestInit) => {
      const req = new Request(input, init);
      const url = new URL(req.url);
      const body = req.body ? Buffer.from(await req.arrayBuffer()) : undefined;
      const res = await t.app.inject({
        method: req.method as any,
        url: url.pathname + url.search,
        headers: Object.fromEntries(req.headers),
        payload: body,
      });
      return new Response(res.statusCode === 204 ? null : res.rawPayload, {
        status: res.statusCode,
        headers: res.headers as Record<string, string>,
      });
    };
    // Imported by path: the package's own typecheck must not need the generated api.d.ts.
    const script = path.join(dir, 'session.ts');
    const { session } = await import(/* @vite-ignore */ script);
    const out = await session('http://localhost/api', 'paul', PASSWORD, fetchViaInject as typeof fetch);
    expect(out).toMatchObject({
      before: 0,
      telephone: '+33123456789',
      etape: 'qualification',
      montant: 1350,
      logoutStatus: 204,
    });
    expect(new TextDecoder().decode(out.pdfBytes)).toBe('%PDF-');
  }, 60_000);
});

describe('the response validator', () => {
  const answer = (statusCode: number, body: unknown, headers: Record<string, string> = {}) => {
    const rawPayload = Buffer.from(body === undefined ? '' : JSON.stringify(body));
    return {
      statusCode,
      rawPayload,
      body: rawPayload.toString(),
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }), ...headers },
    } as any;
  };
  const auth = { authorization: 'Bearer x' };
  it('fails on an undocumented status, a wrong shape, a missing Retry-After, a body on 204, an unknown path', () => {
    const v = new DocumentValidator(doc);
    const client = doc.components.schemas.ClientDetail.examples[0];
    expect(() =>
      v.check({ method: 'POST', url: '/api/clients/', requestHeaders: auth, res: answer(201, client) }),
    ).not.toThrow();
    expect(() =>
      v.check({ method: 'POST', url: '/api/clients/', requestHeaders: auth, res: answer(200, client) }),
    ).toThrow(/status 200 is not documented/);
    expect(() =>
      v.check({
        method: 'POST',
        url: '/api/clients/',
        requestHeaders: auth,
        res: answer(201, { ...client, id: '12' }),
      }),
    ).toThrow(/body does not match/);
    expect(() =>
      v.check({ method: 'POST', url: '/api/clients/', requestHeaders: {}, res: answer(201, client) }),
    ).toThrow(/without credentials/);
    const tooMany = { code: 'TOO_MANY_REQUESTS', message: 'Trop', fieldErrors: {} };
    expect(() =>
      v.check({
        method: 'POST',
        url: '/api/auth/login/',
        requestHeaders: {},
        res: answer(429, tooMany, { 'retry-after': '60', 'ratelimit-remaining': '0' }),
      }),
    ).not.toThrow();
    expect(() =>
      v.check({
        method: 'POST',
        url: '/api/auth/login/',
        requestHeaders: {},
        res: answer(429, tooMany, { 'ratelimit-remaining': '0' }),
      }),
    ).toThrow(/Retry-After/);
    expect(() =>
      v.check({
        method: 'POST',
        url: '/api/auth/login/',
        requestHeaders: {},
        res: answer(429, { ...tooMany, code: 'CONFLICT' }, { 'retry-after': '6', 'ratelimit-remaining': '0' }),
      }),
    ).toThrow(/body/);
    expect(() =>
      v.check({ method: 'DELETE', url: '/api/clients/3/', requestHeaders: auth, res: answer(204, {}) }),
    ).toThrow(/no body/);
    expect(() => v.check({ method: 'GET', url: '/api/nowhere/', requestHeaders: auth, res: answer(200, {}) })).toThrow(
      /does not describe/,
    );
  });
});
