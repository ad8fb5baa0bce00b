import { timelineInput, timelinePage } from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';
import { timeline } from '../services/timeline.js';

const description =
  'Activités et événements enregistrés (création, changements d’étape, gagnée/perdue, devis créés/envoyés/consultés/acceptés/refusés, ' +
  'tâches créées/terminées, changements de responsable), du plus récent au plus ancien, chacun avec son auteur, sa date et un résumé en français. ' +
  'Pagination par curseur : passer `next` en `?cursor=` pour la page suivante (`next` vaut null à la fin).';

/** `clients.timeline` (merged into the `clients` namespace in router.ts: API-key family `clients`). */
export const clientTimelineRouter = router({
  timeline: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/clients/{id}/timeline/',
        tags: ['clients', 'timeline'],
        summary: "Historique d'un client",
        description,
      },
    })
    .input(timelineInput)
    .output(timelinePage)
    .query(({ ctx, input: { id, ...rest } }) => timeline(ctx.em, ctx.user, 'client', id, rest)),
});

/** `opportunites.timeline` (merged into the `opportunites` namespace: API-key family `opportunites`). */
export const opportuniteTimelineRouter = router({
  timeline: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/opportunites/{id}/timeline/',
        tags: ['opportunites', 'timeline'],
        summary: "Historique d'une opportunité",
        description,
      },
    })
    .input(timelineInput)
    .output(timelinePage)
    .query(({ ctx, input: { id, ...rest } }) => timeline(ctx.em, ctx.user, 'opportunite', id, rest)),
});
