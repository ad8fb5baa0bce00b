import { initTRPC, TRPCError } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EntityManager } from '@crm/db';
import { ZodError } from 'zod';
import { API_KEY_FAMILIES, scopesAllow, type ApiKeyAccess, type Role } from '@crm/shared';
import type { AppDeps } from './deps.js';
import { ApiError, forbidden, fromDatabaseError, unauthorized } from './lib/errors.js';
import { langFromHeader, translate, zodFieldErrors, type Lang } from './lib/i18n.js';
import type { AuthUser } from './auth/sessions.js';
import { isApiKey, validateApiKey } from './auth/apiKeys.js';
import { audit } from './services/audit.js';
import { answerCache } from './lib/cache.js';
import type { ErrorCode, RestMeta } from './lib/restMeta.js';
import { emitForProcedure, stateBefore, webhookFamily } from './services/webhookEvents.js';
import { boardWriteOf } from './services/kanban.js';

export const ACCESS_COOKIE = 'crm_access';
export const REFRESH_COOKIE = 'crm_refresh';
/** The refresh cookie only travels to the REST auth endpoints (refresh, logout). */
export const REFRESH_COOKIE_PATH = '/api/auth/';
export const CSRF_COOKIE = 'csrftoken';
export const CSRF_HEADER = 'x-csrftoken';

export interface Context {
  deps: AppDeps;
  /** Per-request EntityManager (identity map scoped to the request). */
  em: EntityManager;
  lang: Lang;
  req: FastifyRequest;
  reply: FastifyReply;
  ip: string;
  /**
   * Shared by reference through middlewares (tRPC copies ctx): HTTP status for REST success
   * answers (201 on create, 204 on delete/logout) and extra response headers.
   */
  response: { status?: number; headers: Record<string, string> };
}

export interface AuthedContext extends Context {
  user: AuthUser;
  sessionId: string;
  authVia: AuthVia;
  /** Set when the caller is an API key (acting as `user`). */
  apiKey?: { id: number; scopes: string[] };
}

export type AuthVia = 'bearer' | 'cookie' | 'apikey';

/**
 * What a request needs from an API key: the resource family (first segment of the procedure's
 * path) and read or write access, and how many rate-limit tokens it costs. Without a need, API
 * keys are refused (account management, and any route that did not say what it needs).
 */
export interface AccessNeed {
  family: string;
  access: ApiKeyAccess;
  cost?: number;
}

/** Heavier endpoints take more of the caller's rate-limit bucket. */
function requestCost(path: string): number {
  // Starting an import or analysing it again is heavy; following its progress (imports.get, polled) is not.
  if (/(^|\.)export/.test(path) || path === 'imports.valider' || path === 'imports.patch') return 10;
  if (path.startsWith('recherche.')) return 3;
  return 1;
}

/** The need of a tRPC procedure: its family and `lecture` for queries, `ecriture` for mutations. */
export function procedureNeed(path: string, type: string): AccessNeed | undefined {
  const family = path.split('.')[0];
  const cost = requestCost(path);
  // Who the key acts as is readable with any key; the rest of `auth` (sessions, password) is not for keys.
  if (path === 'auth.user') return { family: '*', access: 'lecture', cost };
  if (!(API_KEY_FAMILIES as readonly string[]).includes(family)) return undefined;
  return { family, access: type === 'mutation' ? 'ecriture' : 'lecture', cost };
}

export function createContextFactory(deps: AppDeps) {
  return ({ req, res }: { req: FastifyRequest; res: FastifyReply }): Context => {
    let em: EntityManager | undefined;
    return {
      deps,
      get em() {
        return (em ??= deps.orm.em.fork() as EntityManager);
      },
      lang: langFromHeader(req.headers['accept-language']),
      req,
      reply: res,
      ip: req.ip,
      response: { headers: {} },
    };
  };
}

/** The contract's error fields, computed once per error for both tRPC and REST answers. */
export function contractError(error: TRPCError, lang: Lang): { code: ErrorCode; message: string; fieldErrors: Record<string, string[]> } {
  if (error.cause instanceof ZodError) {
    return { code: 'BAD_REQUEST', message: translate(lang, 'error.validation'), fieldErrors: zodFieldErrors(lang, error.cause.issues) };
  }
  if (error instanceof ApiError) {
    const fieldErrors: Record<string, string[]> = {};
    for (const [f, keys] of Object.entries(error.fieldErrorKeys ?? {})) fieldErrors[f] = keys.map((k) => translate(lang, k));
    return { code: error.code, message: translate(lang, error.messageKey), fieldErrors };
  }
  switch (error.code) {
    case 'PARSE_ERROR':
    case 'BAD_REQUEST':
      return { code: 'BAD_REQUEST', message: translate(lang, 'error.bad_request'), fieldErrors: {} };
    case 'UNAUTHORIZED':
      return { code: 'UNAUTHORIZED', message: translate(lang, 'error.unauthorized'), fieldErrors: {} };
    case 'FORBIDDEN':
      return { code: 'FORBIDDEN', message: translate(lang, 'error.forbidden'), fieldErrors: {} };
    case 'NOT_FOUND':
      return { code: 'NOT_FOUND', message: translate(lang, 'error.not_found'), fieldErrors: {} };
    case 'CONFLICT':
      return { code: 'CONFLICT', message: translate(lang, 'error.conflict'), fieldErrors: {} };
    case 'TOO_MANY_REQUESTS':
      return { code: 'TOO_MANY_REQUESTS', message: translate(lang, 'error.too_many_requests'), fieldErrors: {} };
    case 'UNSUPPORTED_MEDIA_TYPE':
      return { code: 'UNSUPPORTED_MEDIA_TYPE', message: translate(lang, 'error.unsupported_media_type'), fieldErrors: {} };
    case 'METHOD_NOT_SUPPORTED':
      return { code: 'METHOD_NOT_SUPPORTED', message: translate(lang, 'error.method_not_supported'), fieldErrors: {} };
    default:
      return { code: 'INTERNAL_SERVER_ERROR', message: translate(lang, 'error.internal'), fieldErrors: {} };
  }
}

/** Procedure meta: trpc-to-openapi's `openapi` plus what the REST answer is (lib/restMeta.ts). */
export type ProcedureMeta = OpenApiMeta<RestMeta>;

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      const c = contractError(error, ctx?.lang ?? 'fr');
      // Never a stack trace or SQL on the wire.
      return {
        message: c.message,
        code: shape.code,
        data: { code: c.code, httpStatus: shape.data.httpStatus, path: shape.data.path, fieldErrors: c.fieldErrors },
      };
    },
  });

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;

/** Database errors that are the caller's fault (unique, FK, check) become 4xx; others stay 500 and are logged. */
const errorMapping = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = fromDatabaseError(result.error.cause);
    if (mapped?.code === 'SERVICE_UNAVAILABLE') ctx.deps.db.suspect();
    if (mapped) throw mapped;
    if (result.error.code === 'INTERNAL_SERVER_ERROR') ctx.req.log.error({ err: result.error.cause ?? result.error, path }, 'procedure failed');
    if (result.error instanceof ApiError && result.error.headers) Object.assign(ctx.response.headers, result.error.headers);
  }
  return result;
});

/**
 * After a successful mutation, cached read answers (dashboard, reports) are stale: bump the data
 * version. Session mutations (login, refresh, logout, password) change no business data.
 */
const invalidateCachedAnswers = t.middleware(async ({ ctx, next, type, path }) => {
  const result = await next();
  if (result.ok && type === 'mutation' && !path.startsWith('auth.')) await answerCache(ctx.deps).bumpDataVersion();
  return result;
});

/**
 * Every procedure but health goes through the database's admission (see DatabaseGuard): bounded
 * wait then 503 when the pool is saturated, 503 at once while the database is down. Session
 * procedures (login, refresh, logout…) are cheap and must stay served: they skip the line.
 */
const databaseAdmission = t.middleware(({ ctx, next, path }) => {
  if (path.startsWith('health.')) return next();
  return ctx.deps.db.run(() => next(), path.startsWith('auth.'));
});

/** The REST status of a success is the one the procedure declares in its meta (the document says the same). */
const successStatus = t.middleware(async ({ ctx, next, meta }) => {
  const result = await next();
  if (result.ok && meta?.successStatus && ctx.response.status === undefined) ctx.response.status = meta.successStatus;
  return result;
});

/**
 * Kanban moves of one column wait in memory behind this process's other moves there, before the
 * request's admission to the database and its transaction (a pool connection) start: 50 drops into one column would otherwise
 * hold every connection while PostgreSQL's column lock lets one through at a time.
 */
const boardMoves = t.middleware(async ({ ctx, next, path, type, getRawInput }) => {
  if (type !== 'mutation') return next();
  const queued = boardWriteOf(ctx.em, path, await getRawInput().catch(() => undefined));
  return queued ? queued(() => next()) : next();
});

export const publicProcedure = t.procedure.use(errorMapping).use(boardMoves).use(databaseAdmission).use(invalidateCachedAnswers).use(successStatus);

function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h);
  return m?.[1]?.trim();
}

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Authenticates by API key (`Bearer crm_…`, within its scopes), Bearer JWT (third parties) or
 * httpOnly cookie (SPA, with CSRF double submit), then takes the request from the caller's rate
 * limit (per key, or per user for sessions): 429 with `Retry-After` when the bucket is empty, and
 * `RateLimit-*` headers on every answer.
 */
export async function authenticate(
  ctx: Context,
  need?: AccessNeed,
): Promise<{ user: AuthUser; sessionId: string; authVia: AuthVia; apiKey?: { id: number; scopes: string[] } }> {
  const bearer = bearerToken(ctx.req);
  if (bearer && isApiKey(bearer)) {
    const auth = await validateApiKey(ctx.em, bearer, ctx.ip);
    if (!auth) throw unauthorized('error.token_invalid');
    if (!need) throw new ApiError('FORBIDDEN', 'error.api_key_not_allowed');
    if (need.family !== '*' && !scopesAllow(auth.key.scopes, need.family, need.access)) throw new ApiError('FORBIDDEN', 'error.api_key_scope');
    await limitRate(ctx, `key:${auth.key.id}`, ctx.deps.config.rateLimitKeyPerMinute, need.cost ?? 1);
    return { user: auth.user, sessionId: `cle:${auth.key.id}`, authVia: 'apikey', apiKey: auth.key };
  }
  const cookie = ctx.req.cookies?.[ACCESS_COOKIE];
  const token = bearer ?? cookie;
  if (!token) throw unauthorized();
  const claims = await ctx.deps.tokens.verifyAccess(token);
  if (!claims) throw unauthorized('error.token_invalid');
  const user = await ctx.deps.sessionCache.validate(ctx.em, claims.sid);
  if (!user || String(user.id) !== claims.sub) throw unauthorized('error.token_invalid');
  const authVia = bearer ? 'bearer' : 'cookie';
  if (authVia === 'cookie') checkCsrf(ctx, claims.sid);
  await limitRate(ctx, `user:${user.id}`, ctx.deps.config.rateLimitUserPerMinute, need?.cost ?? 1);
  return { user, sessionId: claims.sid, authVia };
}

async function limitRate(ctx: Context, key: string, capacity: number, cost: number): Promise<void> {
  const d = await ctx.deps.requestLimiter.take(key, capacity, cost);
  const headers: Record<string, string> = {
    'ratelimit-limit': String(d.limit),
    'ratelimit-remaining': String(d.remaining),
    'ratelimit-reset': String(d.resetSeconds),
    'ratelimit-policy': `${capacity};w=60`,
  };
  // On the reply itself: procedures (tRPC and REST) and plain routes (downloads) alike.
  for (const [k, v] of Object.entries(headers)) ctx.reply.header(k, v);
  if (!d.allowed) {
    ctx.reply.header('retry-after', String(d.retryAfter));
    throw new ApiError('TOO_MANY_REQUESTS', 'error.rate_limited', undefined, { 'retry-after': String(d.retryAfter) });
  }
}

/**
 * CSRF double submit for cookie-authenticated requests: a state-changing method must carry
 * `X-CSRFToken` equal to the `csrftoken` cookie, which must be the session's own token.
 * Bearer requests are exempt (a browser never adds that header cross-site); safe methods too.
 */
export function checkCsrf(ctx: Context, sessionId: string): void {
  if (!STATE_CHANGING.has(ctx.req.method)) return;
  if (!ctx.deps.tokens.csrfMatches(sessionId, ctx.req.headers[CSRF_HEADER], ctx.req.cookies?.[CSRF_COOKIE])) {
    throw new ApiError('FORBIDDEN', 'error.csrf');
  }
}

/** A procedure that deletes a domain object: REST `DELETE` or a tRPC procedure named `*.delete`. */
function isDeletion(path: string, meta: ProcedureMeta | undefined): boolean {
  return meta?.openapi?.method === 'DELETE' || /\.delete$/.test(path);
}

/**
 * Mutations of resources with webhook events (clients, projets, opportunités, tâches, devis) run in
 * one transaction with the events they produce: the webhook outbox rows are written by the same
 * transaction as the change, or not at all. Services' own transactions become savepoints inside it
 * (rolled back on their errors as before); a failed call emits nothing, and what it deliberately
 * wrote outside its own transaction (an audit of the failure) is kept, as before.
 */
const webhookEvents = t.middleware(async ({ ctx, next, path, type, getRawInput }) => {
  if (type !== 'mutation' || !webhookFamily(path)) return next();
  const input = await getRawInput().catch(() => undefined);
  let outcome: Awaited<ReturnType<typeof next>> | undefined;
  await ctx.em.transactional(async (tem) => {
    const before = await stateBefore(tem as EntityManager, path, input);
    outcome = await next({ ctx: { em: tem as EntityManager } });
    if (outcome.ok) await emitForProcedure(tem as EntityManager, path, input, outcome.data, before);
  });
  return outcome!;
});

export const authedProcedure = publicProcedure
  .use(async ({ ctx, next, path, type }) => {
    const auth = await authenticate(ctx, procedureNeed(path, type));
    return next({ ctx: { ...auth } });
  })
  // Every successful deletion is audited here, once for all routers (they need not remember to).
  .use(async ({ ctx, next, path, meta, getRawInput }) => {
    const result = await next();
    if (result.ok && isDeletion(path, meta)) {
      const raw = ((await getRawInput().catch(() => undefined)) ?? {}) as Record<string, unknown>;
      const { id, ...options } = raw;
      const entityId = Number(id);
      try {
        await audit(ctx.em, {
          userId: ctx.user.id,
          action: 'delete',
          entity: path.split('.')[0],
          entityId: Number.isSafeInteger(entityId) && entityId > 0 && entityId <= 2_147_483_647 ? entityId : null,
          details: { procedure: path, ...options },
          ip: ctx.ip,
        });
      } catch (err) {
        // The deletion is done and committed: a failed audit write is logged, not turned into an error answer.
        ctx.req.log.error({ err, path }, 'audit of a deletion failed');
      }
    }
    return result;
  })
  .use(webhookEvents);

export function roleProcedure(...roles: Role[]) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!roles.includes(ctx.user.role)) throw forbidden();
    return next();
  });
}

/** DELETE on any resource: admin or manager only. */
export const staffProcedure = roleProcedure('admin', 'manager');
export const adminProcedure = roleProcedure('admin');

export { TRPCError };
