import { devisOutput, idParam } from '@crm/shared';
import { router } from '../trpc/init.js';
import { authedProcedure } from '../trpc/procedures.js';
import { envoyerDevis } from '../services/devis/envoyer.js';

const tags = ['devis'];

// Devis documents and sending (PDF, envoyer by SMTP): merged into the `devis` namespace in router.ts.
export const devisActionsRouter = router({
  envoyer: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/devis/{id}/envoyer/',
        tags,
        summary: 'Envoyer un devis au client',
        description:
          "Passe le devis à `envoye` avec `dateEnvoi` et dépose dans la boîte d'envoi (même transaction) l'e-mail au client, " +
          'avec le PDF et le lien de la page publique du devis ; répond aussitôt. La livraison se fait en tâche de fond ' +
          '(nouvelles tentatives espacées) ; `courriel` indique son état (`en_attente`, `envoye`, `echec`). ' +
          'Client sans e-mail → 400 ; devis accepté ou refusé → 409.',
      },
      errors: { 409: 'Devis accepté ou refusé : il ne peut plus être envoyé' },
    })
    .input(idParam)
    .output(devisOutput)
    .mutation(({ ctx, input }) => envoyerDevis(ctx.em, ctx.user, input.id, ctx.deps.config, { ip: ctx.ip })),
});
