import { z } from 'zod';
import {
  devisCreateInput,
  devisListInput,
  devisOutput,
  devisPatchInput,
  devisSubListInput,
  devisUpdateInput,
  idParam,
  paginated,
} from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure, staffProcedure } from '../trpc/procedures.js';
import { createDevis, deleteDevis, nouvelleVersion, updateDevis } from '../services/devis.js';
import { getDevis, listDevis, listDevisOfOpportunite } from '../services/devis/queries.js';

const tags = ['devis'];

// `envoyer` and `pdf` live in devisActions.ts, merged into the same namespace in router.ts.
export const devisRouter = router({
  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/devis/', tags, summary: 'Liste des devis (filtrable, paginée)' } })
    .input(devisListInput)
    .output(paginated(devisOutput))
    .query(({ ctx, input }) => listDevis(ctx.em, ctx.user, input)),

  byOpportunite: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/opportunites/{id}/devis/',
        tags: ['opportunites', ...tags],
        summary: "Liste des devis d'une opportunité",
      },
    })
    .input(devisSubListInput)
    .output(paginated(devisOutput))
    .query(({ ctx, input: { id, ...rest } }) => listDevisOfOpportunite(ctx.em, ctx.user, id, rest)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/devis/{id}/', tags, summary: "Détail d'un devis" } })
    .input(idParam)
    .output(devisOutput)
    .query(({ ctx, input }) => getDevis(ctx.em, ctx.user, input.id)),

  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/devis/',
        tags,
        summary: "Création d'un devis (version suivante de l'opportunité)",
      },
      successStatus: 201,
    })
    .input(devisCreateInput)
    .output(devisOutput)
    .mutation(async ({ ctx, input }) => {
      const out = await createDevis(ctx.em, ctx.user, input);
      return out;
    }),

  update: authedProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/devis/{id}/',
        tags,
        summary: "Mise à jour complète d'un devis (409 si accepté ou refusé)",
      },
      errors: { 409: 'Devis accepté ou refusé : lecture seule' },
    })
    .input(devisUpdateInput)
    .output(devisOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateDevis(ctx.em, ctx.user, id, rest)),

  patch: authedProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/devis/{id}/',
        tags,
        summary: "Mise à jour partielle d'un devis (409 si accepté ou refusé)",
      },
      errors: { 409: 'Devis accepté ou refusé : lecture seule' },
    })
    .input(devisPatchInput)
    .output(devisOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateDevis(ctx.em, ctx.user, id, rest)),

  nouvelleVersion: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/devis/{id}/nouvelle-version/',
        tags,
        summary: "Créer une nouvelle version d'un devis",
      },
      successStatus: 201,
    })
    .input(idParam)
    .output(devisOutput)
    .mutation(async ({ ctx, input }) => {
      const out = await nouvelleVersion(ctx.em, ctx.user, input.id);
      return out;
    }),

  delete: staffProcedure
    .meta({
      openapi: { method: 'DELETE', path: '/devis/{id}/', tags, summary: "Suppression d'un devis (admin, manager)" },
      successStatus: 204,
    })
    .input(idParam)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await deleteDevis(ctx.em, ctx.user, input.id);
    }),
});
