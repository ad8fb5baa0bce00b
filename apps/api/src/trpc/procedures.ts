import { STAFF_ROLES, type Role } from '@crm/shared';
import { forbidden } from '../lib/errors.js';
import { t } from './init.js';
import { auditDeletions } from './middlewares/auditDeletions.js';
import { authentication } from './middlewares/authentication.js';
import { boardMoves } from './middlewares/boardMoves.js';
import { databaseAdmission } from './middlewares/databaseAdmission.js';
import { errorMapping } from './middlewares/errorMapping.js';
import { successStatus } from './middlewares/successStatus.js';
import { webhookEvents } from './middlewares/webhookEvents.js';

/**
 * The procedures routers are built from. Cached answers and list counts are dropped by committed
 * writes themselves (see DataChanges), not by a middleware here.
 */
export const publicProcedure = t.procedure.use(errorMapping).use(boardMoves).use(databaseAdmission).use(successStatus);

export const authedProcedure = publicProcedure.use(authentication).use(auditDeletions).use(webhookEvents);

export function roleProcedure(...roles: readonly Role[]) {
  return authedProcedure.use(({ ctx, next }) => {
    if (!roles.includes(ctx.user.role)) throw forbidden();
    return next();
  });
}

/** DELETE on any resource: admin or manager only. */
export const staffProcedure = roleProcedure(...STAFF_ROLES);
export const adminProcedure = roleProcedure('admin');
