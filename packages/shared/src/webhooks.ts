import { z } from 'zod';
import { cleanString, id, idOut, optionalText, paginationQuery, timestamp } from './common.js';
import { WEBHOOK_EVENTS } from './integrationsChoices.js';

export const WEBHOOK_DELIVERY_STATUTS = ['en_attente', 'en_cours', 'livre', 'echec'] as const;

const webhookUrl = cleanString({ error: 'err.url' }).trim().max(2000, 'err.too_long').url('err.url');
const events = z
  .array(z.enum(WEBHOOK_EVENTS, { error: 'err.choice' }), { error: 'err.required' })
  .min(1, 'err.required');

export const webhookCreateInput = z
  .object({
    url: webhookUrl,
    evenements: events,
    description: optionalText(200).default(''),
    actif: z.boolean({ error: 'err.boolean' }).default(true),
  })
  .meta({ id: 'WebhookCreate', description: 'Nouvel abonnement (URL https publique)' });
export const webhookPatchInput = z
  .object({
    id,
    url: webhookUrl.optional(),
    evenements: events.optional(),
    description: optionalText(200).optional(),
    /** true re-enables a webhook disabled after repeated failures (its failure count starts again). */
    actif: z.boolean({ error: 'err.boolean' }).optional(),
  })
  .meta({ id: 'WebhookPatch', description: "Champs de l'abonnement à modifier" });
export const webhookListInput = z.object({ ...paginationQuery });

export const webhookOutput = z
  .object({
    id: idOut,
    url: z.string(),
    description: z.string(),
    evenements: z.array(z.string()),
    /** Signing secret (`whsec_…`, Standard Webhooks): HMAC-SHA256 of `${webhook-id}.${webhook-timestamp}.${body}`. */
    secret: z.string(),
    actif: z.boolean(),
    echecsConsecutifs: z.number().int(),
    desactiveLe: timestamp.nullable(),
    dateCreation: timestamp,
  })
  .meta({
    id: 'Webhook',
    description: 'Abonnement webhook',
    examples: [
      {
        id: 1,
        url: 'https://erp.exemple.fr/crm-webhooks',
        description: 'ERP',
        evenements: ['client.created', 'devis.accepte'],
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        actif: true,
        echecsConsecutifs: 0,
        desactiveLe: null,
        dateCreation: '2026-03-01T09:00:00Z',
      },
    ],
  });
export type WebhookOut = z.infer<typeof webhookOutput>;

export const webhookDeliveryListInput = z.object({
  id,
  ...paginationQuery,
  statut: z.enum(WEBHOOK_DELIVERY_STATUTS, { error: 'err.choice' }).describe('Statut de la livraison').optional(),
});
export const webhookDeliveryOutput = z
  .object({
    id: idOut,
    webhook: idOut,
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
  })
  .meta({
    id: 'WebhookLivraison',
    description: "Livraison d'un événement à un webhook",
    examples: [
      {
        id: 3,
        webhook: 1,
        messageId: 'msg_2kQ7',
        evenement: 'client.created',
        statut: 'livre',
        tentatives: 1,
        codeHttp: 200,
        derniereErreur: '',
        prochainEssai: null,
        dateLivraison: '2026-03-01T09:00:02Z',
        dateCreation: '2026-03-01T09:00:01Z',
        payload: { type: 'client.created', data: { id: 12 } },
      },
    ],
  });
export type WebhookDeliveryOut = z.infer<typeof webhookDeliveryOutput>;
