import { procedureNeed } from '../accessNeed.js';
import { authenticate } from '../authenticate.js';
import { t } from '../init.js';

/** Authenticates the caller (see authenticate) with what the procedure needs from an API key. */
export const authentication = t.middleware(async ({ ctx, next, path, type }) => {
  const auth = await authenticate(ctx, procedureNeed(path, type));
  return next({ ctx: { ...auth } });
});
