import {
  EXPORT_FORMATS,
  RAPPORT_INPUTS,
  RAPPORTS,
  rapportExportInput,
  type Rapport,
  type RapportFiltres,
} from '@crm/shared';
import { EXPORT_CONTENT_TYPES, exportReport } from '../lib/exports.js';
import { parseOr400 } from '../lib/validation.js';
import { exportFilename, rapportDocument } from '../services/rapportExports.js';
import { cachedRapport } from '../services/rapports.js';
import { authenticate } from '../trpc/authenticate.js';
import type { ServerPlugin } from './plugin.js';

const tags = ['rapports'];

/** JSON bodies may say `"enRetard": true`; the filters take the query-string form `"true"`. */
const asQueryForm = (filtres: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(filtres).map(([k, v]) => [k, typeof v === 'boolean' ? String(v) : v]));

/** POST /api/rapports/export/: a report as a CSV, XLSX or PDF file (not JSON, so a plain Fastify route). */
export const rapportExportRoute: ServerPlugin = (app, deps, { createContext, openApi }) => {
  app.post('/api/rapports/export/', async (req, reply) => {
    const ctx = createContext({ req, res: reply });
    // Cookie-authenticated POSTs need the CSRF header: authenticate() checks it.
    const { user } = await authenticate(ctx, { family: 'rapports', access: 'lecture', cost: 10 });
    const body = parseOr400(rapportExportInput, req.body ?? {});
    const filtres = parseOr400(
      RAPPORT_INPUTS[body.rapport],
      asQueryForm(body.filtres),
      'filtres',
    ) as RapportFiltres<Rapport>;
    const data = await cachedRapport(deps.answerCache, ctx.em, user, body.rapport, filtres);
    const now = new Date();
    const file = await exportReport(
      rapportDocument(body.rapport, data, { filtres, username: user.username, now }),
      body.format,
    );
    return reply
      .header('content-type', EXPORT_CONTENT_TYPES[body.format])
      .header('content-disposition', `attachment; filename="${exportFilename(body.rapport, body.format, now)}"`)
      .send(file);
  });
  openApi('/rapports/export/', {
    post: {
      tags,
      summary: 'Exporter un rapport en CSV, Excel (XLSX) ou PDF',
      description:
        'CSV : UTF-8 avec BOM, séparateur `;`, virgule décimale (Excel français). `filtres` : ceux du rapport choisi ' +
        '(dateDebut, dateFin et les filtres de la liste de la ressource).',
      operationId: 'rapports-export',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['rapport', 'format'],
              properties: {
                rapport: { type: 'string', enum: [...RAPPORTS], description: 'Le rapport à exporter' },
                format: { type: 'string', enum: [...EXPORT_FORMATS], description: 'Format du fichier' },
                filtres: {
                  type: 'object',
                  additionalProperties: true,
                  description: 'Filtres du rapport (mêmes noms que ses paramètres de requête)',
                  examples: [{ dateDebut: '2026-01-01', dateFin: '2026-03-31' }],
                },
              },
            },
          },
        },
      },
      responses: {
        200: {
          description: 'Le fichier',
          headers: {
            'Content-Disposition': {
              schema: { type: 'string' },
              description: 'attachment; filename="rapport-pipeline-2026-11-25.csv"',
            },
          },
          content: Object.fromEntries(
            Object.values(EXPORT_CONTENT_TYPES).map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
          ),
        },
      },
      errors: { 400: 'Corps invalide (rapport, format ou filtres)' },
    },
  });
};
