import type { EntityManager } from '@crm/db';
import { cardWriteOf, emitForProcedure, webhookFamily } from '../../services/webhookEvents.js';
import { isRetriableMove, retryMoves } from '../../services/kanban.js';
import { t } from '../init.js';

/**
 * Mutations of resources with webhook events (clients, projets, opportunités, tâches, devis) run in
 * one transaction with the events they produce: the webhook outbox rows are written by the same
 * transaction as the change, or not at all. Services' own transactions become savepoints inside it
 * (rolled back on their errors as before); a failed call emits nothing, and what it deliberately
 * wrote outside its own transaction (an audit of the failure) is kept, as before. A board move
 * joins this transaction (see cardTransaction): when the card moved under it, or a deadlock chose
 * it, the whole transaction is rolled back and the call runs again.
 */
export const webhookEvents = t.middleware(async ({ ctx, next, path, type, getRawInput }) => {
  if (type !== 'mutation' || !webhookFamily(path)) return next();
  const input = await getRawInput().catch(() => undefined);
  let outcome: Awaited<ReturnType<typeof next>> | undefined;
  // Only the boards' writes run again (the other families keep their single attempt, and a failed
  // call's transaction commits what it deliberately kept).
  const board = /^(opportunites|taches)\./.test(path);
  await retryMoves(
    () =>
      ctx.em.transactional(async (tem) => {
        outcome = await next({ ctx: { em: tem as EntityManager } });
        if (!outcome.ok) {
          if (board && isRetriableMove(outcome.error)) throw outcome.error;
          return;
        }
        // The card's state before the change, as the service found it; no events to write when its
        // statement saw no webhook subscribing to them.
        const write = cardWriteOf(tem as EntityManager);
        if (write?.subscribed === false) return;
        await emitForProcedure(tem as EntityManager, path, input, outcome.data, write?.before);
      }),
    board ? undefined : 1,
  );
  return outcome!;
});
