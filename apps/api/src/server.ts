import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import { appRouter } from './router.js';
import { createContextFactory, type Context } from './trpc/context.js';
import { contractError } from './trpc/contractError.js';
import type { AppDeps } from './deps.js';
import type { ServerPlugin } from './routes/plugin.js';
import { registerOpenApiRoutes } from './trpc/openapiAdapter.js';
import { buildOpenApiDocument, DOCS_HTML, DOCS_INIT_JS, serversFor, type PlainOperation } from './lib/openapiDoc.js';
import { langFromHeader } from './lib/i18n.js';
import { ApiError, fromDatabaseError } from './lib/errors.js';
import { jsonTooDeep } from './lib/jsonDepth.js';
import { answerClientError, httpErrorBody, MAX_URL_LENGTH } from './lib/httpErrors.js';
import { registerWebApp } from './routes/webApp.js';
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';

export interface ServerOptions {
  logger?: boolean | object;
  /** Built SPA to serve at `/` (apps/web/dist). */
  webDist?: string;
  /** Extra routes (file downloads…) registered by feature modules. */
  plugins?: ServerPlugin[];
}

const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
};

export async function buildServer(deps: AppDeps, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 1_000_000,
    // A hop count or proxy list, never "trust everything": the client IP is then the right-most
    // X-Forwarded-For address not added by a trusted proxy, which a client cannot forge.
    trustProxy: trustedHops(deps.config.trustProxy),
    // The tRPC batch path (`clients.get,clients.get,…`) is one route parameter: long enough for a batch
    // the typed client sends (it splits batches to keep URLs under 2 000 characters).
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2_000 },
    // Requests Node cannot parse (431, malformed) and URLs Fastify cannot route (bad percent-encoding,
    // over-long parameters) are answered in the contract shape too.
    clientErrorHandler: answerClientError,
    frameworkErrors: (_error, request, reply) => sendHttpError(request, reply, 400),
  });

  // An empty JSON body is `{}` (bodiless POSTs); malformed JSON is a contract 400.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body ?? '');
    if (text.trim() === '') return done(null, {});
    if (jsonTooDeep(text)) return done(new ApiError('BAD_REQUEST', 'error.too_deep'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ApiError('BAD_REQUEST', 'error.bad_request'), undefined);
    }
  });

  await app.register(fastifyCookie);

  // API answers are per user: never stored by browsers or shared caches. Set on request (the REST
  // adapter later rewrites request.url to the path below /api).
  app.addHook('onRequest', async (request, reply) => {
    if (request.url.length > MAX_URL_LENGTH) return sendHttpError(request, reply, 414);
    if (/^\/(api|trpc)(\/|\?|$)/.test(request.url)) reply.header('cache-control', 'no-store');
    // tRPC queries carry their JSON input in the query string: same nesting limit as bodies.
    const input = (request.query as Record<string, unknown> | undefined)?.input;
    if (request.url.startsWith('/trpc') && typeof input === 'string' && jsonTooDeep(input))
      throw new ApiError('BAD_REQUEST', 'error.too_deep');
  });

  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
    if (deps.config.secureCookies) reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    return payload;
  });

  app.setErrorHandler((error, request, reply) => {
    const lang = langFromHeader(request.headers['accept-language']);
    // Plain routes (file downloads…) get the same mapping of caller-caused database errors as procedures.
    const err = error instanceof TRPCError ? error : fromDatabaseError(error);
    if (err?.code === 'SERVICE_UNAVAILABLE' && !(error instanceof TRPCError)) deps.db.suspect();
    const status = err ? getHTTPStatusCodeFromError(err) : ((error as any).statusCode ?? 500);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const body = err ? contractError(err, lang) : httpErrorBody(status, lang);
    if (err instanceof ApiError && err.headers) void reply.headers(err.headers);
    void reply.code(status).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
  });

  const createContext = createContextFactory(deps);

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: ({ req, res }: any) => createContext({ req, res }),
      responseMeta: ({ ctx, errors }: any) => {
        const c = ctx as Context | undefined;
        const headers: Record<string, string> = { ...(c?.response.headers ?? {}) };
        for (const e of errors) if (e instanceof ApiError && e.headers) Object.assign(headers, e.headers);
        return { headers };
      },
      onError: ({ error, req }: any) => {
        if (error.code === 'INTERNAL_SERVER_ERROR')
          req.log.error({ err: error.cause ?? error }, 'tRPC procedure failed');
      },
    },
  });

  const extraOpenApiPaths: Record<string, Record<string, PlainOperation>> = {};
  const openApi = (p: string, item: Record<string, PlainOperation>) => {
    const known = extraOpenApiPaths[p] ?? {};
    for (const method of Object.keys(item))
      if (known[method]) throw new Error(`OpenAPI: ${method.toUpperCase()} ${p} described twice`);
    extraOpenApiPaths[p] = { ...known, ...item };
  };
  for (const plugin of opts.plugins ?? []) await plugin(app, deps, { createContext, openApi });

  let openApiDoc: Record<string, any> | undefined;
  app.get('/api/openapi.json', async (req, reply) => {
    openApiDoc ??= buildOpenApiDocument(appRouter, extraOpenApiPaths);
    // The first server is the absolute address this document was fetched from, usable as is by generated clients.
    const doc = { ...openApiDoc, servers: serversFor(`${req.protocol}://${req.host}`) };
    return reply.header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(doc));
  });
  const swaggerDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  app.get('/api/docs/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(DOCS_HTML));
  app.get('/api/docs/static/init.js', async (_req, reply) => reply.type('application/javascript').send(DOCS_INIT_JS));
  app.get('/api/docs/static/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file;
    if (!/^swagger-ui(-bundle)?\.(css|js)$/.test(file)) return notFound(req, reply);
    return reply
      .type(file.endsWith('.css') ? 'text/css' : 'application/javascript')
      .send(fs.createReadStream(path.join(swaggerDir, file)));
  });

  registerOpenApiRoutes(app, {
    router: appRouter,
    prefix: '/api',
    createContext,
    plainRoutes: () => ({
      ...Object.fromEntries(Object.entries(extraOpenApiPaths).map(([p, item]) => [p, Object.keys(item)])),
      '/openapi.json': ['GET'],
      '/docs/': ['GET'],
    }),
  });

  const webDist = opts.webDist;
  if (webDist && fs.existsSync(path.join(webDist, 'index.html'))) {
    await registerWebApp(app, webDist, notFound);
  } else {
    app.setNotFoundHandler(notFound);
  }
  return app;
}

/** Fastify's `trustProxy` for a hop count: the socket peer and the next n-1 addresses to its left are proxies. */
function trustedHops(trust: false | number | string[]): boolean | string[] | ((addr: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_addr: string, hop: number) => hop < trust : trust;
}

function notFound(request: { headers: Record<string, any> }, reply: any) {
  return sendHttpError(request, reply, 404);
}

function sendHttpError(request: { headers: Record<string, any> }, reply: any, status: number) {
  const lang = langFromHeader(request.headers['accept-language']);
  return reply
    .code(status)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(httpErrorBody(status, lang)));
}
