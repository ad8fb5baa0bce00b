import {
  id,
  idParam,
  paginated,
  webhookCreateInput,
  webhookDeliveryListInput,
  webhookDeliveryOutput,
  webhookListInput,
  webhookOutput,
  webhookPatchInput,
} from '@crm/shared';
import { z } from 'zod';
import { router } from '../trpc/init.js';
import { adminProcedure } from '../trpc/procedures.js';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listWebhooks,
  patchWebhook,
  replayDelivery,
} from '../services/webhooks.js';

const tags = ['webhooks'];

const EVENTS_DOC =
  'Chaque événement est envoyé en POST JSON `{ type, timestamp, data, previous? }` (`data` : le détail REST de l’objet, ' +
  'ou `{ id }` après suppression), signé selon Standard Webhooks (en-têtes `webhook-id`, `webhook-timestamp`, `webhook-signature`). ' +
  'Livraison au moins une fois, dans l’ordre pour un même objet, avec nouvelles tentatives pendant 24 h ; désactivé après des échecs répétés.';

export const webhooksRouter = router({
  list: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/webhooks/',
        tags,
        summary: 'Abonnements webhooks (admin)',
        description: EVENTS_DOC,
      },
    })
    .input(webhookListInput)
    .output(paginated(webhookOutput))
    .query(({ ctx, input }) => listWebhooks(ctx.em, input)),

  get: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/webhooks/{id}/',
        tags,
        summary: "Détail d'un webhook (avec son secret de signature)",
      },
    })
    .input(idParam)
    .output(webhookOutput)
    .query(({ ctx, input }) => getWebhook(ctx.em, input.id)),

  create: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks/',
        tags,
        summary: "Création d'un webhook (https ; adresses privées refusées)",
        description: EVENTS_DOC,
      },
      successStatus: 201,
    })
    .input(webhookCreateInput)
    .output(webhookOutput)
    .mutation(async ({ ctx, input }) => {
      const w = await createWebhook(ctx.em, ctx.user, input, ctx.deps.config.webhooks, ctx.ip);
      return w;
    }),

  patch: adminProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/webhooks/{id}/',
        tags,
        summary: "Modification d'un webhook ; `actif: true` le réactive",
      },
    })
    .input(webhookPatchInput)
    .output(webhookOutput)
    .mutation(({ ctx, input }) => patchWebhook(ctx.em, ctx.user, input, ctx.deps.config.webhooks, ctx.ip)),

  delete: adminProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/webhooks/{id}/',
        tags,
        summary: "Suppression d'un webhook et de son journal",
      },
      successStatus: 204,
    })
    .input(idParam)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await deleteWebhook(ctx.em, input.id);
    }),

  livraisons: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/webhooks/{id}/livraisons/',
        tags,
        summary: "Journal des livraisons d'un webhook (plus récentes d'abord)",
      },
    })
    .input(webhookDeliveryListInput)
    .output(paginated(webhookDeliveryOutput))
    .query(({ ctx, input }) => listDeliveries(ctx.em, input)),

  rejouer: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/webhooks/{id}/livraisons/{livraison}/rejouer/',
        tags,
        summary: 'Rejouer une livraison',
        description: 'Renvoie le même message (même `webhook-id`), après les messages en attente du même objet.',
      },
      successStatus: 201,
    })
    .input(idParam.extend({ livraison: id.describe('Identifiant de la livraison') }))
    .output(webhookDeliveryOutput)
    .mutation(async ({ ctx, input }) => {
      const d = await replayDelivery(ctx.em, ctx.user, input.id, input.livraison, ctx.ip);
      return d;
    }),
});
