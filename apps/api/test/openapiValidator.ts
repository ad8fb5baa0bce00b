import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';

/**
 * Checks a REST answer against the OpenAPI document the server publishes: its status must be
 * documented for that operation, with the documented headers and a body of the documented media
 * type and schema (204 and HEAD: no body). An answer on a path or method the document does not
 * know must be an error. The document is compiled once per test file (schemas lazily, per
 * response), so each check costs a lookup and one validation.
 */
export interface ResponseCheck {
  method: string;
  url: string;
  requestHeaders: Record<string, unknown>;
  res: LightMyRequestResponse;
}

type Json = Record<string, any>;
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020, formats: string[]) => void;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

export class DocumentValidator {
  private readonly ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: false, inlineRefs: false });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: { re: RegExp; template: string }[];
  private readonly base: string;

  constructor(private readonly doc: Json) {
    addFormats(this.ajv, ['date', 'date-time', 'email', 'uri']);
    this.ajv.addSchema({ ...doc, $id: 'openapi' });
    this.base = '/api';
    // Literal segments win over parameters (`/opportunites/colonnes/` before `/opportunites/{id}/`).
    this.routes = Object.keys(doc.paths)
      .map((template) => ({
        template,
        params: (template.match(/\{/g) ?? []).length,
        re: new RegExp(
          `^${template
            .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
            .replace(/\\?\{[^}]+\\?\}/g, '[^/]+')
            .replace(/\/$/, '')}/?$`,
        ),
      }))
      .sort((a, b) => a.params - b.params);
  }

  check({ method, url, requestHeaders, res }: ResponseCheck): void {
    const path = url.split('?')[0];
    // The viewer's static files (Swagger UI) are assets, not API operations.
    if ((path !== this.base && !path.startsWith(`${this.base}/`)) || path.startsWith(`${this.base}/docs/static/`))
      return;
    const rel = path.slice(this.base.length) || '/';
    const where = `${method} ${url} → ${res.statusCode}`;
    const route = this.routes.find((r) => r.re.test(rel));
    const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    const op = route && METHODS.includes(verb) ? this.doc.paths[route.template][verb] : undefined;
    if (!op) {
      if (res.statusCode < 400)
        fail(where, 'answered successfully on a path or method the OpenAPI document does not describe');
      return;
    }
    const status = String(res.statusCode);
    const declared = op.responses[status];
    if (!declared)
      fail(
        where,
        `status ${status} is not documented for ${verb.toUpperCase()} ${route!.template} (documented: ${Object.keys(op.responses).join(', ')})`,
      );
    const response = this.resolve(declared);

    if (res.statusCode < 400 && op.security?.length && !hasCredentials(requestHeaders)) {
      fail(where, 'documented as authenticated, but answered successfully without credentials');
    }
    for (const [name, h] of Object.entries((response.headers ?? {}) as Json)) {
      const header = this.resolve(h);
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) {
        if (header.required) fail(where, `required header ${name} is missing`);
        continue;
      }
      if (header.schema)
        this.validate(
          `header:${route!.template}:${verb}:${status}:${name}`,
          header.schema,
          String(value),
          where,
          `header ${name}`,
        );
    }

    const body = res.rawPayload;
    const contentType = String(res.headers['content-type'] ?? '')
      .split(';')[0]
      .trim();
    if (!response.content || method.toUpperCase() === 'HEAD') {
      if (body.length > 0) fail(where, `no body is documented, got ${body.length} bytes (${contentType})`);
      if (!response.content) return;
    }
    if (method.toUpperCase() === 'HEAD') return;
    const mediaKey = Object.keys(response.content).find((k) => k.split(';')[0].trim() === contentType);
    const media = mediaKey && response.content[mediaKey];
    if (!media)
      fail(
        where,
        `content type "${contentType}" is not documented (documented: ${Object.keys(response.content).join(', ')})`,
      );
    if (!contentType.endsWith('json') || !media.schema) return;
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      fail(where, 'the body is not JSON');
    }
    const pointer = `#/paths/${esc(route!.template)}/${verb}/responses/${status}`;
    const key = `${declared.$ref ?? pointer}/content/${esc(mediaKey!)}/schema`;
    this.validate(key, { $ref: `openapi${key}` }, json, where, 'body');
  }

  private validate(key: string, schema: Json, value: unknown, where: string, what: string): void {
    let v = this.validators.get(key);
    if (!v) {
      v = this.ajv.compile(schema);
      this.validators.set(key, v);
    }
    if (!v(value)) {
      const errors = (v.errors ?? [])
        .slice(0, 5)
        .map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
      fail(
        where,
        `${what} does not match the document:\n  ${errors.join('\n  ')}\n  value: ${JSON.stringify(value).slice(0, 600)}`,
      );
    }
  }

  private resolve(obj: Json): Json {
    let cur = obj;
    while (cur?.$ref) {
      cur = cur.$ref
        .slice(2)
        .split('/')
        .reduce((o: Json, k: string) => o[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
    }
    return cur;
  }
}

const esc = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

function fail(where: string, why: string): never {
  throw new Error(`OpenAPI: ${where}: ${why}`);
}

function hasCredentials(headers: Record<string, unknown>): boolean {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return !!h.authorization || /crm_(access|refresh)=/.test(String(h.cookie ?? ''));
}

// One compiled document per test file (a file may start several apps of the same server).
const validators = new Map<string, DocumentValidator>();

/**
 * Makes `app.inject()` check every `/api/…` answer against the app's own OpenAPI document. Tests
 * that build an app themselves call it too; helpers.ts does it for startTestApp.
 */
export function validateRestAnswers(app: FastifyInstance): void {
  const original = app.inject;
  const inject = original.bind(app) as (opts: InjectOptions | string) => Promise<LightMyRequestResponse>;
  let validator: Promise<DocumentValidator> | undefined;
  const load = async () => {
    const res = await inject({ method: 'GET', url: '/api/openapi.json' });
    const text = res.body;
    let v = validators.get(text);
    if (!v) {
      v = new DocumentValidator(JSON.parse(text));
      validators.set(text, v);
    }
    return v;
  };
  (app as any).inject = (opts?: InjectOptions | string, callback?: unknown) => {
    if (opts === undefined || callback) return (original as any).call(app, opts, callback);
    return inject(opts).then(async (res) => {
      const o: InjectOptions = typeof opts === 'string' ? { url: opts } : opts;
      const url = typeof o.url === 'string' ? o.url : String((o as any).path ?? '');
      validator ??= load();
      (await validator).check({
        method: (o.method ?? 'GET').toString(),
        url,
        requestHeaders: {
          ...(o.headers ?? {}),
          ...(o.cookies
            ? {
                cookie: Object.entries(o.cookies)
                  .map(([k, v]) => `${k}=${v}`)
                  .join('; '),
              }
            : {}),
        },
        res,
      });
      return res;
    });
  };
}
