import type { EntityManager } from '@crm/db';
import type { WebhookEvent } from '@crm/shared';
import { sqlOne } from '../lib/sql/runner.js';
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

/** State the events compare with (stage of an opportunité, status of a tâche), read before the change. */
export async function stateBefore(em: EntityManager, path: string, input: unknown): Promise<Before> {
  const id = Number((input as WithId)?.id);
  if (!Number.isSafeInteger(id) || id <= 0 || id > 2_147_483_647) return undefined;
  if (path.startsWith('opportunites.'))
    return sqlOne<{ etape: string }>(em, 'select etape from opportunites where id = ?', [id]);
  if (path.startsWith('taches.')) return sqlOne<{ statut: string }>(em, 'select statut from taches where id = ?', [id]);
  return undefined;
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
