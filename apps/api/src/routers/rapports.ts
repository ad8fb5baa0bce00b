import {
  RAPPORT_INPUTS,
  rapportClientsOutput,
  rapportOpportunitesOutput,
  rapportPerformancesOutput,
  rapportPipelineOutput,
  rapportProjetsOutput,
} from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';
import { cachedRapport } from '../services/rapports.js';

const tags = ['rapports'];

const PERIODE = 'filtrable par dateDebut / dateFin (sur dateCreation, inclusives)';

export const rapportsRouter = router({
  clients: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/rapports/clients/',
        tags,
        summary: `Rapport clients : totaux, par catégorie, par responsable, par mois (${PERIODE}, categorie, responsable)`,
      },
    })
    .input(RAPPORT_INPUTS.clients)
    .output(rapportClientsOutput)
    .query(({ ctx, input }) => cachedRapport(ctx.deps.answerCache, ctx.em, ctx.user, 'clients', input)),

  projets: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/rapports/projets/',
        tags,
        summary: `Rapport projets : totaux, budget, retards, par statut, par mois (${PERIODE}, statut, client, enRetard)`,
      },
    })
    .input(RAPPORT_INPUTS.projets)
    .output(rapportProjetsOutput)
    .query(({ ctx, input }) => cachedRapport(ctx.deps.answerCache, ctx.em, ctx.user, 'projets', input)),

  opportunites: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/rapports/opportunites/',
        tags,
        summary: `Rapport opportunités : montants, conversion, par étape, par mois (${PERIODE} et filtres de la liste)`,
      },
    })
    .input(RAPPORT_INPUTS.opportunites)
    .output(rapportOpportunitesOutput)
    .query(({ ctx, input }) => cachedRapport(ctx.deps.answerCache, ctx.em, ctx.user, 'opportunites', input)),

  pipeline: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/rapports/pipeline/',
        tags,
        summary: `Pipeline par étape : nombre, montant, montant pondéré (${PERIODE} et filtres des opportunités)`,
      },
    })
    .input(RAPPORT_INPUTS.pipeline)
    .output(rapportPipelineOutput)
    .query(({ ctx, input }) => cachedRapport(ctx.deps.answerCache, ctx.em, ctx.user, 'pipeline', input)),

  performances: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/rapports/performances/',
        tags,
        summary: `Performances par commercial : gagnées, perdues, conversion, montant gagné, tâches (${PERIODE}, client, responsable)`,
      },
    })
    .input(RAPPORT_INPUTS.performances)
    .output(rapportPerformancesOutput)
    .query(({ ctx, input }) => cachedRapport(ctx.deps.answerCache, ctx.em, ctx.user, 'performances', input)),
});
