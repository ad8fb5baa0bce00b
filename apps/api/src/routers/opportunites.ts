import { z } from 'zod';
import {
  avancerEtapeInput,
  idParam,
  opportuniteColonneOutput,
  opportuniteColonnesInput,
  opportuniteCreateInput,
  opportuniteListInput,
  opportuniteOutput,
  opportunitePatchInput,
  opportuniteSubListInput,
  opportuniteUpdateInput,
  paginated,
} from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure, staffProcedure } from '../trpc/procedures.js';
import { cachedForUser } from '../services/cachedAnswers.js';
import { opportuniteColonnes } from '../services/colonnes.js';
import { avancerEtape, createOpportunite, deleteOpportunite, updateOpportunite } from '../services/opportunites.js';
import { getOpportunite, listOpportunites, listOpportunitesOfClient } from '../services/opportunites/queries.js';

const tags = ['opportunites'];

export const opportunitesRouter = router({
  list: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/opportunites/', tags, summary: 'Liste des opportunités (filtrable, paginée)' },
    })
    .input(opportuniteListInput)
    .output(paginated(opportuniteOutput))
    .query(({ ctx, input }) => listOpportunites(ctx.em, ctx.user, input)),

  // Before `{id}/` so that the REST adapter never reads `colonnes` as an id.
  colonnes: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/opportunites/colonnes/',
        tags,
        summary: 'Totaux par colonne du pipeline (mêmes filtres que la liste)',
      },
    })
    .input(opportuniteColonnesInput)
    .output(z.array(opportuniteColonneOutput))
    .query(({ ctx, input }) =>
      cachedForUser(ctx.deps.answerCache, ctx.user, 'opportunites.colonnes', input, () =>
        opportuniteColonnes(ctx.em, ctx.user, input),
      ),
    ),

  byClient: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/clients/{id}/opportunites/',
        tags: ['clients', ...tags],
        summary: "Liste des opportunités d'un client",
      },
    })
    .input(opportuniteSubListInput)
    .output(paginated(opportuniteOutput))
    .query(({ ctx, input: { id, ...rest } }) => listOpportunitesOfClient(ctx.em, ctx.user, id, rest)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/opportunites/{id}/', tags, summary: "Détail d'une opportunité" } })
    .input(idParam)
    .output(opportuniteOutput)
    .query(({ ctx, input }) => getOpportunite(ctx.em, ctx.user, input.id)),

  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/opportunites/',
        tags,
        summary: "Création d'une opportunité (en fin de colonne sauf position)",
      },
      successStatus: 201,
    })
    .input(opportuniteCreateInput)
    .output(opportuniteOutput)
    .mutation(async ({ ctx, input }) => {
      const out = await createOpportunite(ctx.em, ctx.user, input);
      return out;
    }),

  update: authedProcedure
    .meta({
      openapi: { method: 'PUT', path: '/opportunites/{id}/', tags, summary: "Mise à jour complète d'une opportunité" },
    })
    .input(opportuniteUpdateInput)
    .output(opportuniteOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateOpportunite(ctx.em, ctx.user, id, rest)),

  patch: authedProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/opportunites/{id}/',
        tags,
        summary: "Mise à jour partielle d'une opportunité ; déplacement kanban (etape, position)",
      },
      errors: { 409: 'Carte déplacée entre-temps par quelqu’un d’autre : recharger et réessayer' },
    })
    .input(opportunitePatchInput)
    .output(opportuniteOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateOpportunite(ctx.em, ctx.user, id, rest)),

  avancerEtape: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/opportunites/{id}/avancer-etape/',
        tags,
        summary: "Avancer l'étape d'une opportunité",
      },
      errors: { 409: 'Déjà à l’étape conclusion' },
    })
    .input(avancerEtapeInput)
    .output(opportuniteOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => avancerEtape(ctx.em, ctx.user, id, rest)),

  delete: staffProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/opportunites/{id}/',
        tags,
        summary: "Suppression d'une opportunité (admin, manager)",
      },
      successStatus: 204,
      errors: { 409: 'L’opportunité a encore des devis' },
    })
    .input(idParam)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await deleteOpportunite(ctx.em, ctx.user, input.id);
    }),
});
