import { courrielDetailOutput, courrielListInput, courrielOutput, idParam, paginated } from '@crm/shared';
import { router } from '../trpc/init.js';
import { adminProcedure } from '../trpc/procedures.js';
import { getCourriel, listCourriels } from '../services/courriels/queries.js';

const tags = ['courriels'];

/** The outbox, for admins: every e-mail the app sent or tries to send (local mailbox without SMTP_HOST). */
export const courrielsRouter = router({
  list: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/courriels/', tags, summary: 'E-mails envoyés ou en attente (admin)' } })
    .input(courrielListInput)
    .output(paginated(courrielOutput))
    .query(({ ctx, input }) => listCourriels(ctx.em, input)),

  get: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/courriels/{id}/',
        tags,
        summary: "Détail d'un e-mail, avec ses pièces jointes (admin)",
      },
    })
    .input(idParam)
    .output(courrielDetailOutput)
    .query(({ ctx, input }) => getCourriel(ctx.em, input.id)),
});
