import { t } from '../init.js';

/**
 * Every procedure but health goes through the database's admission (see DatabaseGuard): bounded
 * wait then 503 when the pool is saturated, 503 at once while the database is down. Session
 * procedures (login, refresh, logout…) are cheap and must stay served: they skip the line.
 */
export const databaseAdmission = t.middleware(({ ctx, next, path }) => {
  if (path.startsWith('health.')) return next();
  return ctx.deps.db.run(() => next(), path.startsWith('auth.'));
});
