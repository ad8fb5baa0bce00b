import { z } from 'zod';
import {
  idParam,
  paginated,
  tacheColonneOutput,
  tacheColonnesInput,
  tacheCreateInput,
  tacheListInput,
  tacheOutput,
  tachePatchInput,
  tacheSubListInput,
  tacheUpdateInput,
} from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure, staffProcedure } from '../trpc/procedures.js';
import { cachedForUser } from '../services/cachedAnswers.js';
import { tacheColonnes } from '../services/colonnes.js';
import { completeTache, createTache, deleteTache, updateTache } from '../services/taches.js';
import { getTache, listTaches, listTachesOfClient, listTachesOfProjet } from '../services/taches/queries.js';

const tags = ['taches'];

export const tachesRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/taches/',
        tags,
        summary: 'Liste des tâches (filtrable, paginée ; assigneA=me)',
      },
    })
    .input(tacheListInput)
    .output(paginated(tacheOutput))
    .query(({ ctx, input }) => listTaches(ctx.em, ctx.user, input)),

  // Before `{id}/` so that the REST adapter never reads `colonnes` as an id.
  colonnes: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/taches/colonnes/',
        tags,
        summary: 'Totaux par colonne du tableau des tâches (mêmes filtres que la liste)',
      },
    })
    .input(tacheColonnesInput)
    .output(z.array(tacheColonneOutput))
    .query(({ ctx, input }) => {
      // `assigneA=me` depends on who asks, not only on their visibility scope.
      const params = { ...input, assigneA: input.assigneA === 'me' ? ctx.user.id : input.assigneA };
      return cachedForUser(ctx.deps.answerCache, ctx.user, 'taches.colonnes', params, () =>
        tacheColonnes(ctx.em, ctx.user, input),
      );
    }),

  byProjet: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/projets/{id}/taches/',
        tags: ['projets', ...tags],
        summary: "Liste des tâches d'un projet",
      },
    })
    .input(tacheSubListInput)
    .output(paginated(tacheOutput))
    .query(({ ctx, input: { id, ...rest } }) => listTachesOfProjet(ctx.em, ctx.user, id, rest)),

  byClient: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/clients/{id}/taches/',
        tags: ['clients', ...tags],
        summary: 'Liste des tâches associées à un client',
      },
    })
    .input(tacheSubListInput)
    .output(paginated(tacheOutput))
    .query(({ ctx, input: { id, ...rest } }) => listTachesOfClient(ctx.em, ctx.user, id, rest)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/taches/{id}/', tags, summary: "Détail d'une tâche" } })
    .input(idParam)
    .output(tacheOutput)
    .query(({ ctx, input }) => getTache(ctx.em, ctx.user, input.id)),

  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/taches/',
        tags,
        summary: "Création d'une tâche (assigneA par défaut : le créateur)",
      },
      successStatus: 201,
    })
    .input(tacheCreateInput)
    .output(tacheOutput)
    .mutation(async ({ ctx, input }) => {
      const out = await createTache(ctx.em, ctx.user, input);
      return out;
    }),

  update: authedProcedure
    .meta({ openapi: { method: 'PUT', path: '/taches/{id}/', tags, summary: "Mise à jour complète d'une tâche" } })
    .input(tacheUpdateInput)
    .output(tacheOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateTache(ctx.em, ctx.user, id, rest)),

  patch: authedProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/taches/{id}/',
        tags,
        summary: "Mise à jour partielle d'une tâche ; réassignation ; déplacement (statut, position)",
      },
      errors: { 409: 'Carte déplacée entre-temps par quelqu’un d’autre : recharger et réessayer' },
    })
    .input(tachePatchInput)
    .output(tacheOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateTache(ctx.em, ctx.user, id, rest)),

  complete: authedProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/taches/{id}/complete/',
        tags,
        summary: 'Marquer une tâche comme terminée (idempotent)',
      },
    })
    .input(idParam)
    .output(tacheOutput)
    .mutation(({ ctx, input }) => completeTache(ctx.em, ctx.user, input.id)),

  delete: staffProcedure
    .meta({
      openapi: { method: 'DELETE', path: '/taches/{id}/', tags, summary: "Suppression d'une tâche (admin, manager)" },
      successStatus: 204,
    })
    .input(idParam)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await deleteTache(ctx.em, ctx.user, input.id);
    }),
});
