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

const CREATE_CONTEXT = Symbol('createContext');
type RestHandler = (req: any, res: any) => Promise<void>;
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
      createContext: ({ req, res }: any) => req[CREATE_CONTEXT]({ req, res }),
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
    } as any) as RestHandler;
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
      const req = request as any;
      req[CREATE_CONTEXT] = opts.createContext;
      // HEAD is GET without the body (Fastify drops the body of the automatic HEAD route).
      if (request.method === 'HEAD') Object.defineProperty(req, 'method', { value: 'GET' });
      req.once = request.raw.once.bind(request.raw);
      req.on = request.raw.on.bind(request.raw);
      req.off = request.raw.off.bind(request.raw);
      req.destroy = request.raw.destroy.bind(request.raw);
      const res = reply as any;
      Object.defineProperty(res, 'statusCode', {
        set: (v: number) => void reply.code(v),
        get: () => reply.raw.statusCode,
        configurable: true,
      });
      res.setHeader = (key: string, value: string) => {
        if (key.toLowerCase() === 'content-type' && value === 'application/json')
          value = 'application/json; charset=utf-8';
        void reply.header(key, value);
      };
      res.end = (data: unknown) => {
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
      };
      // trpc-to-openapi aborts the request's signal on 'close' unless the answer finished (patched
      // method.mjs): without this, the reply (not a ServerResponse) never looked finished and every
      // request's signal was aborted, building a DOMException each time.
      Object.defineProperty(res, 'writableFinished', { get: () => reply.raw.writableFinished, configurable: true });
      res.socket = reply.raw.socket;
      res.once = reply.raw.once.bind(reply.raw);
      res.on = reply.raw.on.bind(reply.raw);
      res.off = reply.raw.off.bind(reply.raw);
      res.emit = reply.raw.emit.bind(reply.raw);
      res.removeListener = reply.raw.removeListener.bind(reply.raw);
      await handler(req, res);
      return reply;
    },
  });
}
