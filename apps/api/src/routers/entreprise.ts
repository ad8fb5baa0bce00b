import { z } from 'zod';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';

const entrepriseOutput = z.object({
  nom: z.string(),
  adresse: z.array(z.string()),
  contact: z.string(),
  mentions: z.string(),
  aConfigurer: z
    .boolean()
    .describe('true tant que COMPANY_NAME / COMPANY_ADDRESS / COMPANY_LEGAL gardent leur valeur par défaut'),
});

/** The seller printed on devis (COMPANY_* settings), so the SPA can warn while it is still the placeholder. */
export const entrepriseRouter = router({
  get: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/entreprise/',
        tags: ['devis'],
        summary: 'Vendeur affiché sur les devis (COMPANY_*)',
      },
    })
    .input(z.object({}).optional())
    .output(entrepriseOutput)
    .query(({ ctx }) => {
      const c = ctx.deps.config.company;
      return { ...c, aConfigurer: c.nom === 'CRM' || c.adresse.length === 0 || !c.mentions };
    }),
});
