import {
  apiKeyCreatedOutput,
  apiKeyCreateInput,
  apiKeyListInput,
  apiKeyOutput,
  apiKeySettings,
  idParam,
  paginated,
} from '@crm/shared';
import { z } from 'zod';
import { router } from '../trpc/init.js';
import { adminProcedure, authedProcedure } from '../trpc/procedures.js';
import {
  apiKeySettings as readSettings,
  createApiKey,
  getApiKey,
  listApiKeys,
  revokeApiKey,
  setApiKeySettings,
} from '../services/apiKeys.js';

const tags = ['cles-api'];

// API keys cannot manage API keys: `clesApi` is not a scope family (see procedureNeed in trpc/accessNeed.ts).
export const clesApiRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/cles-api/',
        tags,
        summary: "Clés d'API (toutes pour un admin, les siennes sinon)",
      },
    })
    .input(apiKeyListInput)
    .output(paginated(apiKeyOutput))
    .query(({ ctx, input }) => listApiKeys(ctx.em, ctx.user, input)),

  reglages: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/cles-api/reglages/', tags, summary: "Réglages des clés d'API" } })
    .input(z.object({}))
    .output(apiKeySettings)
    .query(({ ctx }) => readSettings(ctx.em)),

  modifierReglages: adminProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/cles-api/reglages/',
        tags,
        summary: "Réglages des clés d'API (admin)",
        description:
          '`libreService` : les utilisateurs non administrateurs peuvent créer des clés agissant en leur nom.',
      },
    })
    .input(apiKeySettings)
    .output(apiKeySettings)
    .mutation(({ ctx, input }) => setApiKeySettings(ctx.em, ctx.user, input, ctx.ip)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/cles-api/{id}/', tags, summary: "Détail d'une clé d'API" } })
    .input(idParam)
    .output(apiKeyOutput)
    .query(({ ctx, input }) => getApiKey(ctx.em, ctx.user, input.id)),

  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/cles-api/',
        tags,
        summary: "Création d'une clé d'API",
        description:
          'Le secret (`crm_…`) est renvoyé une seule fois ; il est conservé haché. Portées : `famille:lecture`, ' +
          '`famille:ecriture` (l’écriture inclut la lecture) ou `*:…`. Un admin peut choisir l’utilisateur au nom duquel la ' +
          'clé agit ; les autres utilisateurs créent des clés pour eux-mêmes si un admin l’autorise.',
      },
      successStatus: 201,
    })
    .input(apiKeyCreateInput)
    .output(apiKeyCreatedOutput)
    .mutation(async ({ ctx, input }) => {
      const key = await createApiKey(ctx.em, ctx.user, input, ctx.ip);
      return key;
    }),

  delete: authedProcedure
    .meta({
      openapi: { method: 'DELETE', path: '/cles-api/{id}/', tags, summary: "Révocation d'une clé d'API (immédiate)" },
      successStatus: 204,
    })
    .input(idParam)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await revokeApiKey(ctx.em, ctx.user, input.id);
    }),
});
