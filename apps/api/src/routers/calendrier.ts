import { calendarFeedOutput, calendarFeedStatus } from '@crm/shared';
import { z } from 'zod';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';
import { calendarStatus, createCalendarFeed, revokeCalendarFeed } from '../services/calendar.js';

const tags = ['calendrier'];

// The feed itself is a plain route (routes/calendar.ts); these manage the caller's own secret URL.
export const calendrierRouter = router({
  statut: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/calendrier/jeton/', tags, summary: 'Mon flux de calendrier : actif ou non' },
    })
    .input(z.object({}))
    .output(calendarFeedStatus)
    .query(({ ctx }) => calendarStatus(ctx.em, ctx.user)),

  creer: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/calendrier/jeton/',
        tags,
        summary: 'Créer (ou renouveler) mon URL de calendrier',
        description: "Renvoie l'URL secrète une seule fois ; la précédente cesse de fonctionner.",
      },
      successStatus: 201,
    })
    .input(z.object({}))
    .output(calendarFeedOutput)
    .mutation(async ({ ctx }) => {
      const feed = await createCalendarFeed(ctx.em, ctx.user, ctx.ip);
      return feed;
    }),

  revoquer: authedProcedure
    .meta({
      openapi: { method: 'DELETE', path: '/calendrier/jeton/', tags, summary: 'Révoquer mon URL de calendrier' },
      successStatus: 204,
    })
    .input(z.object({}))
    .output(z.void())
    .mutation(async ({ ctx }) => {
      await revokeCalendarFeed(ctx.em, ctx.user, ctx.ip);
    }),
});
