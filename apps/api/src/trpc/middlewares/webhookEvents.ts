import type { EntityManager } from '@crm/db';
import { emitForProcedure, stateBefore, webhookFamily } from '../../services/webhookEvents.js';
import { t } from '../init.js';

/**
 * Mutations of resources with webhook events (clients, projets, opportunités, tâches, devis) run in
 * one transaction with the events they produce: the webhook outbox rows are written by the same
 * transaction as the change, or not at all. Services' own transactions become savepoints inside it
 * (rolled back on their errors as before); a failed call emits nothing, and what it deliberately
 * wrote outside its own transaction (an audit of the failure) is kept, as before.
 */
export const webhookEvents = t.middleware(async ({ ctx, next, path, type, getRawInput }) => {
  if (type !== 'mutation' || !webhookFamily(path)) return next();
  const input = await getRawInput().catch(() => undefined);
  let outcome: Awaited<ReturnType<typeof next>> | undefined;
  await ctx.em.transactional(async (tem) => {
    const before =
      ctx.boardBefore?.etape || ctx.boardBefore?.statut
        ? ctx.boardBefore
        : await stateBefore(tem as EntityManager, path, input);
    outcome = await next({ ctx: { em: tem as EntityManager } });
    if (outcome.ok) await emitForProcedure(tem as EntityManager, path, input, outcome.data, before);
  });
  return outcome!;
});
