import { z } from 'zod';
import {
  activiteCreateInput,
  activiteListInput,
  activiteOutput,
  activitePatchInput,
  activiteUpdateInput,
  idParam,
  paginated,
} from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';
import { createActivite, deleteActivite, getActivite, listActivites, updateActivite } from '../services/activites.js';

const tags = ['activites'];
const AUTHOR_RULE = "Réservé à l'auteur, à un manager ou à un administrateur (sinon 403).";

export const activitesRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/activites/',
        tags,
        summary: 'Liste des activités (filtrable, paginée ; plus récentes en premier)',
      },
    })
    .input(activiteListInput)
    .output(paginated(activiteOutput))
    .query(({ ctx, input }) => listActivites(ctx.em, ctx.user, input)),

  get: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/activites/{id}/', tags, summary: "Détail d'une activité" } })
    .input(idParam)
    .output(activiteOutput)
    .query(({ ctx, input }) => getActivite(ctx.em, ctx.user, input.id)),

  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/activites/',
        tags,
        summary: "Création d'une activité (note, appel, réunion, e-mail, autre)",
        description:
          "`auteur` est l'utilisateur connecté. `contact`, `opportunite` et `projet` doivent appartenir au `client` (sinon 400 sur le champ). " +
          '`contenu` est du texte ou du Markdown ; `contenuHtml` en donne le rendu, HTML brut toujours échappé.',
      },
      successStatus: 201,
    })
    .input(activiteCreateInput)
    .output(activiteOutput)
    .mutation(async ({ ctx, input }) => {
      const out = await createActivite(ctx.em, ctx.user, input);
      return out;
    }),

  update: authedProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/activites/{id}/',
        tags,
        summary: "Mise à jour complète d'une activité",
        description: AUTHOR_RULE,
      },
    })
    .input(activiteUpdateInput)
    .output(activiteOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateActivite(ctx.em, ctx.user, id, rest)),

  patch: authedProcedure
    .meta({
      openapi: {
        method: 'PATCH',
        path: '/activites/{id}/',
        tags,
        summary: "Mise à jour partielle d'une activité",
        description: AUTHOR_RULE,
      },
    })
    .input(activitePatchInput)
    .output(activiteOutput)
    .mutation(({ ctx, input: { id, ...rest } }) => updateActivite(ctx.em, ctx.user, id, rest)),

  delete: authedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/activites/{id}/',
        tags,
        summary: "Suppression d'une activité",
        description: AUTHOR_RULE,
      },
      successStatus: 204,
    })
    .input(idParam)
    .output(z.void())
    .mutation(async ({ ctx, input }) => {
      await deleteActivite(ctx.em, ctx.user, input.id);
    }),
});
