import { audit } from '../../services/audit.js';
import type { AuthedContext } from '../context.js';
import { t, type ProcedureMeta } from '../init.js';

/** A procedure that deletes a domain object: REST `DELETE` or a tRPC procedure named `*.delete`. */
function isDeletion(path: string, meta: ProcedureMeta | undefined): boolean {
  return meta?.openapi?.method === 'DELETE' || /\.delete$/.test(path);
}

/** Every successful deletion is audited here, once for all routers (they need not remember to). */
export const auditDeletions = t.middleware(async ({ ctx: baseCtx, next, path, meta, getRawInput }) => {
  // Runs after `authentication` (see procedures.ts): the caller is known.
  const ctx = baseCtx as AuthedContext;
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
});
