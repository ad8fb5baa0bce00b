import { z } from 'zod';
import {
  clientCreateInput,
  clientDetailOutput,
  clientListInput,
  clientOutput,
  clientPatchInput,
  clientUpdateInput,
  idParam,
  paginated,
  queryBool,
} from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure, staffProcedure } from '../trpc/procedures.js';
import { createClient, deleteClient, updateClient } from '../services/clients.js';
import { getClient, listClients } from '../services/clients/queries.js';

const tags = ['clients'];

export const clientsRouter = router({
  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/clients/', tags, summary: 'Liste des clients (filtrable, paginée)' } })
    .input(clientListInput)
    .output(paginated(clientOutput))
    .query(({ ctx, input }) => listClients(ctx.em, ctx.user, input)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/clients/{id}/', tags, summary: "Détail d'un client" } })
    .input(idParam)
    .output(clientDetailOutput)
    .query(({ ctx, input }) => getClient(ctx.em, ctx.user, input.id)),

  create: authedProcedure
    .meta({
      openapi: { method: 'POST', path: '/clients/', tags, summary: "Création d'un client" },
      successStatus: 201,
      errors: { 409: 'E-mail déjà utilisé par un autre client' },
    })
    .input(clientCreateInput)
    .output(clientDetailOutput)
    .mutation(async ({ ctx, input }) => {
      const out = await createClient(ctx.em, ctx.user, input);
      return out;
    }),

  update: authedProcedure
    .meta({
      openapi: { method: 'PUT', path: '/clients/{id}/', tags, summary: "Mise à jour complète d'un client" },
      errors: { 409: 'E-mail déjà utilisé par un autre client' },
    })
    .input(clientUpdateInput)
    .output(clientDetailOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateClient(ctx.em, ctx.user, id, rest)),

  patch: authedProcedure
    .meta({
      openapi: { method: 'PATCH', path: '/clients/{id}/', tags, summary: "Mise à jour partielle d'un client" },
      errors: { 409: 'E-mail déjà utilisé par un autre client' },
    })
    .input(clientPatchInput)
    .output(clientDetailOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateClient(ctx.em, ctx.user, id, rest)),

  delete: staffProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/clients/{id}/',
        tags,
        summary: "Suppression d'un client (?cascade=true : admin)",
      },
      successStatus: 204,
      errors: { 409: 'Le client a encore des projets, opportunités ou tâches (sans ?cascade=true)' },
    })
    .input(
      idParam.extend({
        cascade: queryBool.describe('Supprimer aussi ses projets, opportunités et tâches (admin)').optional(),
      }),
    )
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await deleteClient(ctx.em, ctx.user, input.id, input.cascade ?? false);
    }),
});
