import { z } from 'zod';
import { publicProcedure, router } from '../trpc.js';

export const healthRouter = router({
  check: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/health/', tags: ['health'], protect: false, summary: 'État du service et de la base (503 si la base est injoignable)' },
      sameBodyStatuses: { 503: 'Base de données injoignable (réponse en 3 secondes au plus)' } })
    .input(z.object({}).optional())
    .output(z.object({ status: z.enum(['ok', 'error']), database: z.enum(['ok', 'error']) }))
    .query(async ({ ctx }) => {
      try {
        // The pool opens a new connection when needed: recovers by itself once the database is back.
        await ctx.deps.orm.em.getConnection().execute('select 1');
        return { status: 'ok' as const, database: 'ok' as const };
      } catch {
        ctx.response.status = 503;
        return { status: 'error' as const, database: 'error' as const };
      }
    }),
});
