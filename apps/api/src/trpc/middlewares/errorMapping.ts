import { ApiError, fromDatabaseError } from '../../lib/errors.js';
import { t } from '../init.js';

/** Database errors that are the caller's fault (unique, FK, check) become 4xx; others stay 500 and are logged. */
export const errorMapping = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const mapped = fromDatabaseError(result.error.cause);
    if (mapped?.code === 'SERVICE_UNAVAILABLE') ctx.deps.db.suspect();
    if (mapped) throw mapped;
    if (result.error.code === 'INTERNAL_SERVER_ERROR')
      ctx.req.log.error({ err: result.error.cause ?? result.error, path }, 'procedure failed');
    if (result.error instanceof ApiError && result.error.headers)
      Object.assign(ctx.response.headers, result.error.headers);
  }
  return result;
});
