import { Readable } from 'node:stream';
import { z } from 'zod';
import { idParam } from '@crm/shared';
import type { ServerPlugin } from './plugin.js';
import { authenticate } from '../trpc/authenticate.js';
import { EXPORT_CONTENT_TYPES } from '../lib/exports.js';
import { streamTable } from '../lib/tableStream.js';
import { parseOr400, queryValues } from '../lib/validation.js';
import { assertParentVisible, LIST_EXPORTS, type ListExport } from '../services/listExports.js';

const formatQuery = z.object({ format: z.enum(['csv', 'xlsx'], { error: 'err.choice' }) });
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/**
 * `GET /api/<list path>export/?format=csv|xlsx&<the list's parameters>`: every row the list shows
 * with these filters, search and ordering (all pages), streamed as the file. Pagination
 * parameters are ignored. The first batch is read before answering, so a bad request or an
 * invisible parent still gets its 4xx.
 */
export const listExportRoutes: ServerPlugin = (app, _deps, { createContext, openApi }) => {
  for (const spec of LIST_EXPORTS) registerExport(app, spec, createContext);
  for (const spec of LIST_EXPORTS) openApi(`${spec.path}export/`, { get: openApiOperation(spec) });
};

function registerExport(
  app: Parameters<ServerPlugin>[0],
  spec: ListExport,
  createContext: Parameters<ServerPlugin>[2]['createContext'],
): void {
  app.get(`/api${spec.path.replace('{id}', ':id')}export/`, async (req, reply) => {
    const ctx = createContext({ req, res: reply });
    // API keys need read access to the exported rows' family; an export costs like the report exports.
    const { user } = await authenticate(ctx, { family: spec.family, access: 'lecture', cost: 10 });
    const {
      page: _page,
      pageSize: _pageSize,
      format: _format,
      ...query
    } = (req.query ?? {}) as Record<string, unknown>;
    const { format } = parseOr400(formatQuery, req.query ?? {});
    const parentId = spec.path.includes('{id}')
      ? parseOr400(idParam, { id: Number((req.params as { id: string }).id) }).id
      : undefined;
    const input = parseOr400(spec.input.omit({ page: true, pageSize: true }), queryValues(spec.input, query)) as Record<
      string,
      any
    >;
    const { where, parent } = spec.query(user, input, parentId);
    await assertParentVisible(ctx.em, parent);
    const batches = spec.stream(ctx.em, input.ordering, where);
    const first = await batches.next();
    async function* all() {
      if (first.done) return;
      yield first.value;
      yield* batches;
    }
    const body = streamTable(format, spec.titre, spec.colonnes, all());
    // The client going away ends the cursor (its connection goes back to the pool).
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) void batches.return(undefined);
    });
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-type', EXPORT_CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="${spec.fichier}-${day}.${format}"`)
      .send(body instanceof Readable ? body : Readable.from(body));
  });
}

function openApiOperation(spec: ListExport) {
  const sub = spec.path.includes('{id}');
  return {
    tags: [spec.path.split('/')[1]],
    summary: `Exporter la liste « ${spec.titre} »${sub ? ' (sous-liste)' : ''} en CSV ou Excel (XLSX)`,
    description:
      `Toutes les lignes que montre la liste \`GET /api${spec.path}\` avec les mêmes paramètres (filtres, \`search\`, \`ordering\`), ` +
      'toutes pages confondues (`page` et `pageSize` sont ignorés), dans le même ordre, envoyées au fil de l’eau. ' +
      'CSV : UTF-8 avec BOM, séparateur `;`, virgule décimale, cellules commençant par = + - @ neutralisées.',
    operationId: `${spec.fichier}-export`,
    security: [{ bearerAuth: [] }],
    parameters: [
      ...(sub ? [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }] : []),
      {
        name: 'format',
        in: 'query',
        required: true,
        description: 'Format du fichier : CSV (Excel français) ou XLSX',
        schema: { type: 'string', enum: ['csv', 'xlsx'] },
      },
      ...Object.keys(spec.input.shape)
        .filter((k) => k !== 'page' && k !== 'pageSize')
        .map((k) => ({
          name: k,
          in: 'query',
          required: false,
          schema: { type: 'string' },
          description: `Comme \`GET /api${spec.path}\``,
        })),
    ],
    responses: {
      200: {
        description: 'Le fichier',
        headers: {
          'Content-Disposition': {
            schema: { type: 'string' },
            description: `attachment; filename="${spec.fichier}-2026-12-06.csv"`,
          },
        },
        content: {
          [EXPORT_CONTENT_TYPES.csv]: { schema: { type: 'string', format: 'binary' } },
          [EXPORT_CONTENT_TYPES.xlsx]: { schema: { type: 'string', format: 'binary' } },
        },
      },
      400: errorResponse('Format ou paramètre de liste invalide'),
      401: errorResponse('Authentification requise'),
      ...(sub ? { 404: errorResponse('Objet parent introuvable ou non visible') } : {}),
    },
  };
}
