import { z } from 'zod';
import { id } from '@crm/shared';
import type { ServerPlugin } from './plugin.js';
import { authenticate } from '../trpc/authenticate.js';
import { forbidden } from '../lib/errors.js';
import { parseOr400 } from '../lib/validation.js';
import { getPieceJointe } from '../services/courriels/queries.js';

const params = z.object({ id, pj: id });
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** GET /api/courriels/{id}/pieces-jointes/{pj}/: an attachment of an outbox e-mail (admin), e.g. the devis PDF. */
export const courrielPiecesRoute: ServerPlugin = (app, _deps, { createContext, openApi }) => {
  app.get('/api/courriels/:id/pieces-jointes/:pj/', async (req, reply) => {
    const ctx = createContext({ req, res: reply });
    const { user } = await authenticate(ctx);
    if (user.role !== 'admin') throw forbidden();
    const p = req.params as { id: string; pj: string };
    const input = parseOr400(params, { id: Number(p.id), pj: Number(p.pj) });
    const file = await getPieceJointe(ctx.em, input.id, input.pj);
    return reply
      .header('content-type', file.type)
      .header('content-disposition', `inline; filename="${file.nom.replace(/["\\\r\n]/g, '_')}"`)
      .send(file.contenu);
  });
  openApi('/courriels/{id}/pieces-jointes/{pj}/', {
    get: {
      tags: ['courriels'],
      summary: "Pièce jointe d'un e-mail (admin)",
      operationId: 'courriels-piece-jointe',
      security: [{ bearerAuth: [] }],
      parameters: [
        { name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
        { name: 'pj', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } },
      ],
      responses: {
        200: {
          description: 'Le fichier (par exemple le PDF du devis)',
          content: {
            'application/pdf': { schema: { type: 'string', format: 'binary' } },
            'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
          },
        },
        400: errorResponse('Identifiant invalide'),
        401: errorResponse('Authentification requise'),
        403: errorResponse('Réservé aux administrateurs'),
        404: errorResponse('E-mail ou pièce jointe introuvable'),
      },
    },
  });
};
