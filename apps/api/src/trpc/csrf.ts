import { CSRF_COOKIE, CSRF_HEADER } from '../auth/cookies.js';
import { ApiError } from '../lib/errors.js';
import type { Context } from './context.js';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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
