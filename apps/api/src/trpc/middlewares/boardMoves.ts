import { boardWriteOf } from '../../services/kanban.js';
import { t } from '../init.js';

/**
 * Kanban moves of one column wait in memory behind this process's other moves there, before the
 * request's admission to the database and its transaction (a pool connection) start: 50 drops into one column would otherwise
 * hold every connection while PostgreSQL's column lock lets one through at a time.
 */
export const boardMoves = t.middleware(async ({ ctx, next, path, type, getRawInput }) => {
  if (type !== 'mutation') return next();
  const queued = boardWriteOf(ctx.em, path, await getRawInput().catch(() => undefined));
  return queued ? queued(() => next()) : next();
});
