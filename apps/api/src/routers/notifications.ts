import { notificationIdInput, notificationListInput, notificationOutput, paginated, toutLuOutput } from '@crm/shared';
import { z } from 'zod';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';
import { listNotifications, markAllRead, markRead } from '../services/notifications.js';

const tags = ['notifications'];

export const notificationsRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/notifications/',
        tags,
        summary: 'Mes notifications (plus récentes en premier ; `?nonLues=true`)',
        description: 'Flux temps réel : `GET /api/notifications/flux/` (Server-Sent Events).',
      },
    })
    .input(notificationListInput)
    .output(paginated(notificationOutput))
    .query(({ ctx, input }) => listNotifications(ctx.em, ctx.user, input)),

  lue: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/notifications/{id}/lue/',
        tags,
        summary: 'Marquer une notification comme lue (idempotent)',
      },
    })
    .input(notificationIdInput)
    .output(notificationOutput)
    .mutation(({ ctx, input }) => markRead(ctx.em, ctx.user, input.id)),

  toutLu: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/notifications/tout-lu/',
        tags,
        summary: 'Marquer toutes mes notifications comme lues',
      },
    })
    .input(z.object({}).optional())
    .output(toutLuOutput)
    .mutation(({ ctx }) => markAllRead(ctx.em, ctx.user)),
});
