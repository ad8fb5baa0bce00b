import {
  EXPORT_FORMATS, RAPPORT_INPUTS, RAPPORTS, rapportClientsOutput, rapportExportInput, rapportOpportunitesOutput, rapportPerformancesOutput, rapportPipelineOutput,
  rapportProjetsOutput, type Rapport, type RapportFiltres,
} from '@crm/shared';
import type { EntityManager } from '@crm/db';
import type { AppDeps } from '../deps.js';
import type { AuthUser } from '../auth/sessions.js';
import type { ServerPlugin } from '../server.js';
import { authenticate, authedProcedure, router } from '../trpc.js';
import { cachedForUser } from '../lib/cache.js';
import { EXPORT_CONTENT_TYPES, exportReport } from '../lib/exports.js';
import { parseOr400 } from '../lib/validation.js';
import { RAPPORT_SERVICES, type RapportOutputs } from '../services/rapports.js';
import { exportFilename, rapportDocument } from '../services/rapportExports.js';

const tags = ['rapports'];

/** A report's data, cached per (report, visibility scope, filters) until the next write. */
function rapportData<R extends Rapport>(deps: AppDeps, em: EntityManager, user: AuthUser, rapport: R, filtres: RapportFiltres<R>): Promise<RapportOutputs[R]> {
  const compute = RAPPORT_SERVICES[rapport] as (em: EntityManager, user: AuthUser, f: RapportFiltres<R>) => Promise<RapportOutputs[R]>;
  return cachedForUser(deps, user, `rapports.${rapport}`, filtres as Record<string, unknown>, () => compute(em, user, filtres));
}

const PERIODE = 'filtrable par dateDebut / dateFin (sur dateCreation, inclusives)';

export const rapportsRouter = router({
  clients: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/rapports/clients/', tags, summary: `Rapport clients : totaux, par catégorie, par responsable, par mois (${PERIODE}, categorie, responsable)` } })
    .input(RAPPORT_INPUTS.clients)
    .output(rapportClientsOutput)
    .query(({ ctx, input }) => rapportData(ctx.deps, ctx.em, ctx.user, 'clients', input)),

  projets: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/rapports/projets/', tags, summary: `Rapport projets : totaux, budget, retards, par statut, par mois (${PERIODE}, statut, client, enRetard)` } })
    .input(RAPPORT_INPUTS.projets)
    .output(rapportProjetsOutput)
    .query(({ ctx, input }) => rapportData(ctx.deps, ctx.em, ctx.user, 'projets', input)),

  opportunites: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/rapports/opportunites/', tags, summary: `Rapport opportunités : montants, conversion, par étape, par mois (${PERIODE} et filtres de la liste)` } })
    .input(RAPPORT_INPUTS.opportunites)
    .output(rapportOpportunitesOutput)
    .query(({ ctx, input }) => rapportData(ctx.deps, ctx.em, ctx.user, 'opportunites', input)),

  pipeline: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/rapports/pipeline/', tags, summary: `Pipeline par étape : nombre, montant, montant pondéré (${PERIODE} et filtres des opportunités)` } })
    .input(RAPPORT_INPUTS.pipeline)
    .output(rapportPipelineOutput)
    .query(({ ctx, input }) => rapportData(ctx.deps, ctx.em, ctx.user, 'pipeline', input)),

  performances: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/rapports/performances/', tags, summary: `Performances par commercial : gagnées, perdues, conversion, montant gagné, tâches (${PERIODE}, client, responsable)` } })
    .input(RAPPORT_INPUTS.performances)
    .output(rapportPerformancesOutput)
    .query(({ ctx, input }) => rapportData(ctx.deps, ctx.em, ctx.user, 'performances', input)),
});

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
    const filtres = parseOr400(RAPPORT_INPUTS[body.rapport], asQueryForm(body.filtres), 'filtres') as RapportFiltres<Rapport>;
    const data = await rapportData(deps, ctx.em, user, body.rapport, filtres);
    const now = new Date();
    const file = await exportReport(rapportDocument(body.rapport, data, { filtres, username: user.username, now }), body.format);
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
          headers: { 'Content-Disposition': { schema: { type: 'string' }, description: 'attachment; filename="rapport-pipeline-2026-11-25.csv"' } },
          content: Object.fromEntries(Object.values(EXPORT_CONTENT_TYPES).map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
        },
      },
      errors: { 400: 'Corps invalide (rapport, format ou filtres)' },
    },
  });
};
