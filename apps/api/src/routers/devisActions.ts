import { devisOutput, idParam } from '@crm/shared';
import type { ServerPlugin } from '../server.js';
import { authenticate, authedProcedure, router } from '../trpc.js';
import { parseOr400, pathId } from '../lib/validation.js';
import { devisFilename, envoyerDevis, loadDevisDocument, renderDevisPdf } from '../services/devisDocuments.js';

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
          "(nouvelles tentatives espacées) ; `courriel` indique son état (`en_attente`, `envoye`, `echec`). " +
          'Client sans e-mail → 400 ; devis accepté ou refusé → 409.',
      },
      errors: { 409: 'Devis accepté ou refusé : il ne peut plus être envoyé' },
    })
    .input(idParam)
    .output(devisOutput)
    .mutation(({ ctx, input }) => envoyerDevis(ctx.em, ctx.user, input.id, ctx.deps.config, { ip: ctx.ip })),
});

/** GET /api/devis/{id}/pdf/: the devis as a PDF (not JSON, so a plain Fastify route). */
export const devisPdfRoute: ServerPlugin = (app, _deps, { createContext, openApi }) => {
  app.get('/api/devis/:id/pdf/', async (req, reply) => {
    const ctx = createContext({ req, res: reply });
    const { user } = await authenticate(ctx, { family: 'devis', access: 'lecture' });
    const { id } = parseOr400(idParam, { id: pathId((req.params as { id: string }).id) });
    const doc = await loadDevisDocument(ctx.em, user, id);
    const pdf = await renderDevisPdf(doc);
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="${devisFilename(doc)}"`)
      .send(pdf);
  });
  openApi('/devis/{id}/pdf/', {
    get: {
      tags,
      summary: 'PDF du devis',
      description: 'Le devis rendu en PDF (A4, en français), avec ses lignes, sa TVA et son numéro. 404 si le devis n’existe pas ou n’est pas visible.',
      operationId: 'devis-pdf',
      parameters: [{ name: 'id', in: 'path', required: true, description: 'Identifiant du devis', schema: { type: 'integer', minimum: 1, maximum: 2_147_483_647 } }],
      responses: {
        200: {
          description: 'Le devis en PDF (A4, en français)',
          headers: { 'Content-Disposition': { schema: { type: 'string' }, description: 'inline; filename="devis-D2026-00012-v1.pdf"' } },
          content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
        },
      },
      errors: { 404: 'Devis inexistant ou non visible' },
    },
  });
};
