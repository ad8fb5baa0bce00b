import type { EntityManager } from '@crm/db';
import type { WebhookEvent } from '@crm/shared';
import { emitWebhookEventList } from './webhooks.js';

/**
 * Which webhook events a successful procedure call produces. The tRPC layer runs the mutations of
 * these resources in one transaction with the events (trpc/middlewares/webhookEvents.ts), so the delivery
 * rows commit or roll back with the change; `data` is the procedure's answer, i.e. the REST detail.
 */
const SINGULAR: Record<string, string> = {
  clients: 'client',
  projets: 'projet',
  opportunites: 'opportunite',
  taches: 'tache',
  devis: 'devis',
};

/** The resource family of a mutation that emits events, or undefined. */
export function webhookFamily(path: string): string | undefined {
  const family = path.split('.')[0];
  return SINGULAR[family] ? family : undefined;
}

type Before = { etape?: string; statut?: string } | undefined;
type WithId = { id?: unknown };

/**
 * What a write of an opportunité or a tâche learned inside the request's transaction, for the
 * events the tRPC layer emits after it (trpc/middlewares/webhookEvents.ts): its column before the
 * change (the stage or status events compare with; the service reads the card anyway, so no read
 * of its own), and, when its statement checked it (a board move, see subscribersSql), whether any
 * active webhook subscribes to an event of its resource at all.
 */
export interface CardWrite {
  before: Before;
  subscribed?: boolean;
}

/** Keyed by the EntityManager the service was called with (the request's transactional one). */
const cardWrites = new WeakMap<EntityManager, CardWrite>();

/** Services: what this write of a card found (see CardWrite); the last report of a retried write wins. */
export function reportCardWrite(em: EntityManager, write: CardWrite): void {
  cardWrites.set(em, write);
}

/** The tRPC layer: the report of the call that ran on `em`, if any. */
export function cardWriteOf(em: EntityManager): CardWrite | undefined {
  return cardWrites.get(em);
}

/**
 * SQL (a boolean, for a write's statement) telling whether an active webhook subscribes to any
 * event of `family` (as emitForProcedure names them: `opportunite.…`): when none does, the
 * events' insert is skipped. Read in the write's transaction, like the insert it replaces.
 */
export function subscribersSql(family: 'opportunites' | 'taches'): { sql: string; params: unknown[] } {
  return {
    sql: `exists (select 1 from webhooks wh where wh.actif and exists (select 1 from unnest(wh.evenements) e where starts_with(e, ?)))`,
    params: [`${SINGULAR[family]}.`],
  };
}

export async function emitForProcedure(
  em: EntityManager,
  path: string,
  input: unknown,
  output: unknown,
  before: Before,
): Promise<void> {
  const [family, name] = path.split('.');
  const singular = SINGULAR[family];
  const out = output as Record<string, unknown> | undefined;
  const id = Number(out?.id ?? (input as WithId)?.id);
  if (!singular || !Number.isSafeInteger(id)) return;
  const cle = `${singular}:${id}`;
  const events: Parameters<typeof emitWebhookEventList>[1] = [];
  const emit = (suffix: string, data: unknown = out, previous?: Record<string, unknown>) =>
    events.push({ event: `${singular}.${suffix}` as WebhookEvent, cle, data, previous });

  switch (name) {
    case 'create':
    case 'nouvelleVersion':
      emit('created');
      break;
    case 'delete':
      emit('deleted', { id });
      break;
    case 'envoyer':
      emit('updated');
      emit('envoye');
      break;
    case 'update':
    case 'patch':
    case 'avancerEtape':
    case 'complete': {
      if (!out) return;
      if (name !== 'complete' || before?.statut !== 'terminee') emit('updated');
      if (singular === 'opportunite' && before?.etape && out.etape !== before.etape)
        emit('etape_changed', out, { etape: before.etape });
      if (singular === 'tache' && out.statut === 'terminee' && before?.statut !== 'terminee') emit('completed');
      break;
    }
    default:
      return;
  }
  // Every event of the call in one statement, in this order.
  await emitWebhookEventList(em, events);
}
