import { t } from '../init.js';

/** The REST status of a success is the one the procedure declares in its meta (the document says the same). */
export const successStatus = t.middleware(async ({ ctx, next, meta }) => {
  const result = await next();
  if (result.ok && meta?.successStatus && ctx.response.status === undefined) ctx.response.status = meta.successStatus;
  return result;
});
