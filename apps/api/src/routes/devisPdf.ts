import { idParam } from '@crm/shared';
import { parseOr400, pathId } from '../lib/validation.js';
import { devisFilename, loadDevisDocument } from '../services/devis/document.js';
import { renderDevisPdf } from '../services/devis/pdf.js';
import { authenticate } from '../trpc/authenticate.js';
import type { ServerPlugin } from './plugin.js';

const tags = ['devis'];

/** GET /api/devis/{id}/pdf/: the devis as a PDF (not JSON, so a plain Fastify route). */
export const devisPdfRoute: ServerPlugin = (app, deps, { createContext, openApi }) => {
  app.get('/api/devis/:id/pdf/', async (req, reply) => {
    const ctx = createContext({ req, res: reply });
    const { user } = await authenticate(ctx, { family: 'devis', access: 'lecture' });
    const { id } = parseOr400(idParam, { id: pathId((req.params as { id: string }).id) });
    const doc = await loadDevisDocument(ctx.em, user, id);
    const pdf = await renderDevisPdf(doc, deps.config.company);
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `inline; filename="${devisFilename(doc)}"`)
      .send(pdf);
  });
  openApi('/devis/{id}/pdf/', {
    get: {
      tags,
      summary: 'PDF du devis',
      description:
        'Le devis rendu en PDF (A4, en français), avec ses lignes, sa TVA et son numéro. 404 si le devis n’existe pas ou n’est pas visible.',
      operationId: 'devis-pdf',
      parameters: [
        {
          name: 'id',
          in: 'path',
          required: true,
          description: 'Identifiant du devis',
          schema: { type: 'integer', minimum: 1, maximum: 2_147_483_647 },
        },
      ],
      responses: {
        200: {
          description: 'Le devis en PDF (A4, en français)',
          headers: {
            'Content-Disposition': {
              schema: { type: 'string' },
              description: 'inline; filename="devis-D2026-00012-v1.pdf"',
            },
          },
          content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } },
        },
      },
      errors: { 404: 'Devis inexistant ou non visible' },
    },
  });
};
