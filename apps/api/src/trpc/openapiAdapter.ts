import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TRPCError } from '@trpc/server';
import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';
import type { AnyRouter } from '@trpc/server';
import type { Context } from './context.js';
import { contractError } from './contractError.js';
import { ApiError } from '../lib/errors.js';
import { langFromHeader } from '../lib/i18n.js';
import { httpErrorBody } from '../lib/httpErrors.js';

const ERROR_KEY = Symbol('trpcError');
type ReqWithError = FastifyRequest & { [ERROR_KEY]?: TRPCError };

/**
 * Serves the tRPC router as REST under `prefix` (trpc-to-openapi), with the contract's wire
 * details: the error shape `{ code, message, fieldErrors }` in the caller's language, 201/204
 * statuses set by procedures, `Retry-After` and other headers, and bodiless POSTs accepted.
 */
/**
 * Methods served per REST path (procedures' OpenAPI meta, plus plain routes), so that a known path
 * asked with another method answers 405 with `Allow` instead of 404. Path templates `{id}` match
 * one segment; the trailing slash is optional as everywhere.
 */
export function methodIndex(router: AnyRouter, extra: () => Record<string, string[]>): (path: string) => string[] {
  let compiled: Array<{ re: RegExp; methods: Set<string> }> | undefined;
  const compile = () => {
    const byPath = new Map<string, Set<string>>();
    const add = (p: string, m: string) => {
      const key = p.replace(/\/$/, '');
      if (!byPath.has(key)) byPath.set(key, new Set());
      byPath.get(key)!.add(m.toUpperCase());
    };
    for (const proc of Object.values((router as any)._def.procedures as Record<string, any>)) {
      const o = proc?._def?.meta?.openapi;
      if (o?.path && o?.method) add(o.path, o.method);
    }
    for (const [p, methods] of Object.entries(extra())) for (const m of methods) add(p, m);
    return [...byPath].map(([p, methods]) => ({
      re: new RegExp(
        `^${p
          .split(/\{[^}]+\}/)
          .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
          .join('[^/]+')}/?$`,
      ),
      methods,
    }));
  };
  // Asked on every REST request: the answer per path is kept (a hundred regular expressions tested
  // each time cost ~1.5 % of a request's CPU). Ids are one key: a template's `{id}` matches any segment
  // and no literal segment is a number. Bounded: other free segments (a public page's token) vary.
  const known = new Map<string, string[]>();
  return (path) => {
    const key = path.replace(/\/\d+(?=\/|$)/g, '/0');
    let methods = known.get(key);
    if (!methods) {
      compiled ??= compile();
      const set = new Set<string>();
      for (const c of compiled) if (c.re.test(path)) for (const m of c.methods) set.add(m);
      if (set.has('GET')) set.add('HEAD');
      methods = [...set].sort();
      if (known.size >= 2_000) known.clear();
      known.set(key, methods);
    }
    return methods;
  };
}

type RestHandler = (req: any, res: RestAnswer) => Promise<void>;

/**
 * What trpc-to-openapi writes its answer through (it expects a Node ServerResponse: `statusCode`,
 * `setHeader`, `end`, `once('close')`, `writableFinished`), onto Fastify's reply with the contract's
 * wire details. One object per request: binding a dozen functions onto Fastify's own request and
 * reply for each request cost ~5 KB of garbage and changed those objects' shapes.
 */
class RestAnswer {
  constructor(
    readonly request: FastifyRequest,
    readonly reply: FastifyReply,
    readonly createContext: (o: { req: FastifyRequest; res: FastifyReply }) => Context,
  ) {}
  get statusCode(): number {
    return this.reply.raw.statusCode;
  }
  set statusCode(v: number) {
    void this.reply.code(v);
  }
  // trpc-to-openapi aborts the request's signal on 'close' unless the answer finished (patched
  // method.mjs): the reply's own state, so that a finished answer aborts nothing (no DOMException).
  get writableFinished(): boolean {
    return this.reply.raw.writableFinished;
  }
  once(event: string, listener: (...args: unknown[]) => void): this {
    this.reply.raw.once(event, listener);
    return this;
  }
  setHeader(key: string, value: string): void {
    if (key.toLowerCase() === 'content-type' && value === 'application/json') value = 'application/json; charset=utf-8';
    void this.reply.header(key, value);
  }
  end(data?: unknown): void {
    const { reply, request } = this;
    if (reply.sent) return;
    const err = (request as ReqWithError)[ERROR_KEY];
    if (err) {
      void reply.send(JSON.stringify(contractError(err, langFromHeader(request.headers['accept-language']))));
      return;
    }
    if (reply.statusCode === 204) {
      reply.removeHeader('content-type');
      void reply.send();
      return;
    }
    void reply.send(data);
  }
}
const restHandlers = new WeakMap<AnyRouter, RestHandler>();

/**
 * The REST handler of a router, made once per router and process: making one generates and checks
 * the router's whole OpenAPI document (outside production), a tenth of a second of CPU or more — once per
 * app in the test suites, which start dozens of apps per process. Nothing in it belongs to one app:
 * each request carries its app's `createContext` (set by the route below).
 */
function restHandlerFor(router: AnyRouter): RestHandler {
  let handler = restHandlers.get(router);
  if (!handler) {
    handler = createOpenApiNodeHttpHandler({
      router,
      createContext: ({ res }: { res: RestAnswer }) => res.createContext({ req: res.request, res: res.reply }),
      maxBodySize: 1_000_000,
      onError: ({ error, req }: any) => {
        (req as ReqWithError)[ERROR_KEY] = error;
        if (error.code === 'INTERNAL_SERVER_ERROR')
          (req as FastifyRequest).log.error({ err: error.cause ?? error }, 'REST procedure failed');
      },
      responseMeta: ({ ctx, errors }: any) => {
        const c = ctx as Context | undefined;
        const headers: Record<string, string> = { ...(c?.response.headers ?? {}) };
        for (const e of errors) if (e instanceof ApiError && e.headers) Object.assign(headers, e.headers);
        return errors.length ? { headers } : { status: c?.response.status ?? 200, headers };
      },
    } as any) as unknown as RestHandler;
    restHandlers.set(router, handler);
  }
  return handler;
}

export function registerOpenApiRoutes(
  app: FastifyInstance,
  opts: {
    router: AnyRouter;
    prefix: string;
    createContext: (o: { req: FastifyRequest; res: FastifyReply }) => Context;
    /** Methods of the plain routes under the prefix (path relative to it → methods). */
    plainRoutes?: () => Record<string, string[]>;
  },
): void {
  const allowed = methodIndex(opts.router, opts.plainRoutes ?? (() => ({})));
  const handler = restHandlerFor(opts.router);

  app.route({
    method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
    url: `${opts.prefix}/*`,
    handler: async (request, reply) => {
      request.raw.url = request.url.slice(opts.prefix.length) || '/';
      const methods = allowed(request.raw.url.split('?')[0]);
      if (methods.length && !methods.includes(request.method)) {
        const lang = langFromHeader(request.headers['accept-language']);
        return reply
          .code(405)
          .header('allow', methods.join(', '))
          .header('content-type', 'application/json; charset=utf-8')
          .send(JSON.stringify(httpErrorBody(405, lang)));
      }
      if (['POST', 'PUT', 'PATCH'].includes(request.method) && !request.headers['content-type']) {
        // A bodiless POST (logout, avancer-etape, envoyer…) is an empty JSON object.
        request.headers['content-type'] = 'application/json';
        (request as any).body = {};
      }
      // HEAD is GET without the body (Fastify drops the body of the automatic HEAD route).
      if (request.method === 'HEAD') Object.defineProperty(request, 'method', { value: 'GET' });
      await handler(request, new RestAnswer(request, reply, opts.createContext));
      return reply;
    },
  });
}
