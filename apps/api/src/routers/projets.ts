import { z } from 'zod';
import {
  idParam,
  paginated,
  projetCreateInput,
  projetListInput,
  projetOutput,
  projetPatchInput,
  projetSubListInput,
  projetUpdateInput,
} from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure, staffProcedure } from '../trpc/procedures.js';
import { createProjet, deleteProjet, updateProjet } from '../services/projets.js';
import { getProjet, listProjets, listProjetsOfClient } from '../services/projets/queries.js';

const tags = ['projets'];

export const projetsRouter = router({
  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/projets/', tags, summary: 'Liste des projets (filtrable, paginée)' } })
    .input(projetListInput)
    .output(paginated(projetOutput))
    .query(({ ctx, input }) => listProjets(ctx.em, ctx.user, input)),

  byClient: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/clients/{id}/projets/',
        tags: ['clients', ...tags],
        summary: "Liste des projets d'un client",
      },
    })
    .input(projetSubListInput)
    .output(paginated(projetOutput))
    .query(({ ctx, input: { id, ...rest } }) => listProjetsOfClient(ctx.em, ctx.user, id, rest)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/projets/{id}/', tags, summary: "Détail d'un projet" } })
    .input(idParam)
    .output(projetOutput)
    .query(({ ctx, input }) => getProjet(ctx.em, ctx.user, input.id)),

  create: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/projets/', tags, summary: "Création d'un projet" }, successStatus: 201 })
    .input(projetCreateInput)
    .output(projetOutput)
    .mutation(async ({ ctx, input }) => {
      const out = await createProjet(ctx.em, ctx.user, input);
      return out;
    }),

  update: authedProcedure
    .meta({ openapi: { method: 'PUT', path: '/projets/{id}/', tags, summary: "Mise à jour complète d'un projet" } })
    .input(projetUpdateInput)
    .output(projetOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateProjet(ctx.em, ctx.user, id, rest)),

  patch: authedProcedure
    .meta({ openapi: { method: 'PATCH', path: '/projets/{id}/', tags, summary: "Mise à jour partielle d'un projet" } })
    .input(projetPatchInput)
    .output(projetOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateProjet(ctx.em, ctx.user, id, rest)),

  delete: staffProcedure
    .meta({
      openapi: { method: 'DELETE', path: '/projets/{id}/', tags, summary: "Suppression d'un projet (admin, manager)" },
      successStatus: 204,
      errors: { 409: 'Le projet a encore des tâches' },
    })
    .input(idParam)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await deleteProjet(ctx.em, ctx.user, input.id);
    }),
});
