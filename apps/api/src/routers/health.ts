import { z } from 'zod';
import { router } from '../trpc/init.js';
import { publicProcedure } from '../trpc/procedures.js';
import { redisHealth } from '../lib/redis.js';

export const healthRouter = router({
  check: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/health/',
        tags: ['health'],
        protect: false,
        summary:
          'État du service : 503 (en moins de 3 s) si la base est injoignable ; Redis en panne = service dégradé, toujours 200',
      },
      sameBodyStatuses: { 503: 'Base de données injoignable (réponse en 3 secondes au plus)' },
    })
    .input(z.object({}).optional())
    .output(
      z.object({
        status: z.enum(['ok', 'error']),
        database: z.enum(['ok', 'error']),
        redis: z.enum(['ok', 'down', 'off']),
      }),
    )
    .query(async ({ ctx }) => {
      // Both bounded (probe 2 s on its own connection, Redis command timeout), run side by side.
      const [databaseOk, redis] = await Promise.all([ctx.deps.db.check(), redisHealth(ctx.deps.redis)]);
      if (!databaseOk) ctx.response.status = 503;
      return {
        status: databaseOk ? ('ok' as const) : ('error' as const),
        database: databaseOk ? ('ok' as const) : ('error' as const),
        redis,
      };
    }),
});
