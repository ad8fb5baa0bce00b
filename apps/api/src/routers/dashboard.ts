import { z } from 'zod';
import {
  clientsRecentsOutput,
  dashboardLimitInput,
  dashboardPerformanceOutput,
  dashboardStatsOutput,
  opportunitesActivesOutput,
  projetsRecentsOutput,
  tachesAVenirInput,
  tachesAVenirOutput,
} from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';
import { cachedForUser } from '../services/cachedAnswers.js';
import {
  clientsRecents,
  dashboardPerformance,
  dashboardStats,
  opportunitesActives,
  projetsRecents,
  tachesAVenir,
} from '../services/dashboard.js';

const tags = ['dashboard'];
const noInput = z.object({}).optional();

/** Every answer is scoped to the caller and cached briefly (invalidated by any write). */
export const dashboardRouter = router({
  stats: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/dashboard/stats/',
        tags,
        summary: 'Statistiques globales (clients, projets, opportunités, tâches, devis)',
      },
    })
    .input(noInput)
    .output(dashboardStatsOutput)
    .query(({ ctx }) =>
      cachedForUser(ctx.deps.answerCache, ctx.user, 'dashboard.stats', {}, () => dashboardStats(ctx.em, ctx.user)),
    ),

  projetsRecents: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/dashboard/projets-recents/',
        tags,
        summary: 'Projets les plus récents (?limit=, 5 par défaut, 50 au plus)',
      },
    })
    .input(dashboardLimitInput)
    .output(projetsRecentsOutput)
    .query(({ ctx, input }) =>
      cachedForUser(ctx.deps.answerCache, ctx.user, 'dashboard.projetsRecents', input, () =>
        projetsRecents(ctx.em, ctx.user, input.limit),
      ),
    ),

  clientsRecents: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/dashboard/clients-recents/',
        tags,
        summary: 'Clients récemment ajoutés (?limit=)',
      },
    })
    .input(dashboardLimitInput)
    .output(clientsRecentsOutput)
    .query(({ ctx, input }) =>
      cachedForUser(ctx.deps.answerCache, ctx.user, 'dashboard.clientsRecents', input, () =>
        clientsRecents(ctx.em, ctx.user, input.limit),
      ),
    ),

  opportunitesActives: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/dashboard/opportunites-actives/',
        tags,
        summary: 'Opportunités en cours, conclusion estimée la plus proche en premier (?limit=)',
      },
    })
    .input(dashboardLimitInput)
    .output(opportunitesActivesOutput)
    .query(({ ctx, input }) =>
      cachedForUser(ctx.deps.answerCache, ctx.user, 'dashboard.opportunitesActives', input, () =>
        opportunitesActives(ctx.em, ctx.user, input.limit),
      ),
    ),

  tachesAVenir: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/dashboard/taches-a-venir/',
        tags,
        summary: 'Tâches à venir, échéance la plus proche en premier (?limit=, ?mine=true)',
      },
    })
    .input(tachesAVenirInput)
    .output(tachesAVenirOutput)
    .query(({ ctx, input }) => {
      const mine = input.mine ?? false;
      // `mine` depends on who asks, not only on their visibility scope.
      const params = { limit: input.limit, mine: mine ? ctx.user.id : false };
      return cachedForUser(ctx.deps.answerCache, ctx.user, 'dashboard.tachesAVenir', params, () =>
        tachesAVenir(ctx.em, ctx.user, input.limit, mine),
      );
    }),

  performance: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/dashboard/performance/',
        tags,
        summary: 'Performance commerciale : taux de conversion, cycle de vente, 12 derniers mois',
      },
    })
    .input(noInput)
    .output(dashboardPerformanceOutput)
    .query(({ ctx }) =>
      cachedForUser(ctx.deps.answerCache, ctx.user, 'dashboard.performance', {}, () =>
        dashboardPerformance(ctx.em, ctx.user),
      ),
    ),
});
