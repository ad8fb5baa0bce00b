import { z } from 'zod';
import { cleanString, optionalText, paginationQuery, timestamp } from './common.js';

/** Events a webhook can subscribe to (payload `data`: the record's REST detail, or `{ id }` when deleted). */
export const WEBHOOK_EVENTS = [
  'client.created', 'client.updated', 'client.deleted',
  'projet.created', 'projet.updated', 'projet.deleted',
  'opportunite.created', 'opportunite.updated', 'opportunite.deleted', 'opportunite.etape_changed',
  'tache.created', 'tache.updated', 'tache.deleted', 'tache.completed',
  'devis.created', 'devis.updated', 'devis.deleted', 'devis.envoye', 'devis.consulte', 'devis.accepte', 'devis.refuse',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_DELIVERY_STATUTS = ['en_attente', 'en_cours', 'livre', 'echec'] as const;

const webhookUrl = cleanString({ error: 'err.url' }).trim().max(2000, 'err.too_long').url('err.url');
const events = z.array(z.enum(WEBHOOK_EVENTS, { error: 'err.choice' }), { error: 'err.required' }).min(1, 'err.required');

export const webhookCreateInput = z.object({
  url: webhookUrl,
  evenements: events,
  description: optionalText(200).default(''),
  actif: z.boolean({ error: 'err.boolean' }).default(true),
});
export const webhookPatchInput = z.object({
  id: z.number().int().positive().max(2_147_483_647),
  url: webhookUrl.optional(),
  evenements: events.optional(),
  description: optionalText(200).optional(),
  /** true re-enables a webhook disabled after repeated failures (its failure count starts again). */
  actif: z.boolean({ error: 'err.boolean' }).optional(),
});
export const webhookListInput = z.object({ ...paginationQuery });

export const webhookOutput = z.object({
  id: z.number().int(),
  url: z.string(),
  description: z.string(),
  evenements: z.array(z.string()),
  /** Signing secret (`whsec_…`, Standard Webhooks): HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${body}`. */
  secret: z.string(),
  actif: z.boolean(),
  echecsConsecutifs: z.number().int(),
  desactiveLe: timestamp.nullable(),
  dateCreation: timestamp,
});
export type WebhookOut = z.infer<typeof webhookOutput>;

export const webhookDeliveryListInput = z.object({
  id: z.number().int().positive().max(2_147_483_647),
  ...paginationQuery,
  statut: z.enum(WEBHOOK_DELIVERY_STATUTS, { error: 'err.choice' }).optional(),
});
export const webhookDeliveryOutput = z.object({
  id: z.number().int(),
  webhook: z.number().int(),
  messageId: z.string(),
  evenement: z.string(),
  statut: z.enum(WEBHOOK_DELIVERY_STATUTS),
  tentatives: z.number().int(),
  codeHttp: z.number().int().nullable(),
  derniereErreur: z.string(),
  prochainEssai: timestamp.nullable(),
  dateLivraison: timestamp.nullable(),
  dateCreation: timestamp,
  payload: z.record(z.string(), z.unknown()),
});
export type WebhookDeliveryOut = z.infer<typeof webhookDeliveryOutput>;
