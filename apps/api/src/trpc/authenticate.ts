import type { FastifyRequest } from 'fastify';
import { scopesAllow } from '@crm/shared';
import { isApiKey, validateApiKey } from '../auth/apiKeys.js';
import { ACCESS_COOKIE } from '../auth/cookies.js';
import type { AuthUser } from '../auth/sessions.js';
import { ApiError, unauthorized } from '../lib/errors.js';
import type { AccessNeed } from './accessNeed.js';
import type { AuthVia, Context } from './context.js';
import { checkCsrf } from './csrf.js';
import { limitRate } from './rateLimit.js';

function bearerToken(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(h);
  return m?.[1]?.trim();
}

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
    if (need.family !== '*' && !scopesAllow(auth.key.scopes, need.family, need.access))
      throw new ApiError('FORBIDDEN', 'error.api_key_scope');
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
