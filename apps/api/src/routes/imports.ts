import fastifyMultipart from '@fastify/multipart';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { IMPORT_MAX_OCTETS, idParam, importRessource, type MessageKey } from '@crm/shared';
import type { ServerPlugin } from './plugin.js';
import { authenticate } from '../trpc/authenticate.js';
import { translate, type Lang } from '../lib/i18n.js';
import { parseOr400, pathId } from '../lib/validation.js';
import { decodeFile, ImportFileError } from '../services/imports/fichier.js';
import { createImport, rejetsCsv } from '../services/imports/index.js';

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});
const ressourceInput = z.object({ ressource: importRessource });

/**
 * `POST /api/imports/` (multipart: `fichier` + `ressource`) and `GET /api/imports/{id}/rejets/`
 * (the rejected rows as CSV). Uploads are not JSON, so not tRPC procedures; the rest of the
 * import's life is (routers/imports.ts, with the list `GET /api/imports/` on the upload's path).
 * A refused file is a 400 naming `fichier`, and nothing is written; too big a file is refused
 * while it streams in, at IMPORT_MAX_OCTETS. The upload decodes the file (that is where a bad one
 * is found) and stores it; its rows are analysed by a background job (state `analyse`).
 */
export const importRoutes: ServerPlugin = async (app, _deps, { createContext, openApi }) => {
  // Only multipart requests are parsed by it; every other content type keeps its parser.
  await app.register(fastifyMultipart, { limits: { fileSize: IMPORT_MAX_OCTETS, files: 1, fields: 10, parts: 12 } });

  app.post('/api/imports/', async (req, reply) => {
    const ctx = createContext({ req, res: reply });
    const lang = ctx.lang;
    // An upload costs like an export (10 tokens of the caller's rate limit).
    const { user } = await authenticate(ctx, { family: 'imports', access: 'ecriture', cost: 10 });
    if (!req.isMultipart()) return fileRefused(reply, lang, 'import.multipart');
    let ressource: unknown;
    let nomFichier = '';
    let bytes: Buffer | undefined;
    try {
      for await (const part of req.parts()) {
        if (part.type === 'file') {
          if (bytes) {
            await part.toBuffer();
            continue;
          }
          nomFichier = part.filename ?? '';
          bytes = await part.toBuffer();
        } else if (part.fieldname === 'ressource') {
          ressource = part.value;
        }
      }
    } catch (err) {
      if (err instanceof app.multipartErrors.RequestFileTooLargeError)
        return fileRefused(reply, lang, 'import.trop_gros');
      if (
        err instanceof app.multipartErrors.FilesLimitError ||
        err instanceof app.multipartErrors.PartsLimitError ||
        err instanceof app.multipartErrors.FieldsLimitError
      ) {
        return fileRefused(reply, lang, 'import.multipart');
      }
      // A malformed multipart body (boundary missing, truncated): the caller's fault.
      if ((err as { statusCode?: number }).statusCode && (err as { statusCode: number }).statusCode < 500)
        return fileRefused(reply, lang, 'import.multipart');
      throw err;
    }
    const input = parseOr400(ressourceInput, { ressource: ressource ?? query(req.query).ressource });
    if (!bytes) return fileRefused(reply, lang, 'import.fichier_absent');
    let decoded: Awaited<ReturnType<typeof decodeFile>>;
    try {
      decoded = await decodeFile(bytes);
    } catch (err) {
      if (err instanceof ImportFileError) return fileRefused(reply, lang, err.key, err.detail);
      throw err;
    }
    const created = await createImport(ctx.em, user, input.ressource, nomFichier, decoded, lang);
    return reply.code(201).header('location', `/api/imports/${created.id}/`).send(created);
  });

  app.get('/api/imports/:id/rejets/', async (req, reply) => {
    const ctx = createContext({ req, res: reply });
    const { user } = await authenticate(ctx, { family: 'imports', access: 'lecture' });
    const { id } = parseOr400(idParam, { id: pathId((req.params as { id: string }).id) });
    const file = await rejetsCsv(ctx.em, user, id, ctx.lang);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${file.nom}"`)
      .send(file.contenu);
  });

  openApi('/imports/', {
    post: {
      tags: ['imports'],
      operationId: 'imports-create',
      summary: 'Envoyer un fichier à importer (CSV ou XLSX) : correspondance proposée et aperçu',
      description:
        'Formulaire `multipart/form-data` : `fichier` (CSV ou XLSX, 20 Mo au plus) et `ressource` (`clients`, `opportunites` ou ' +
        '`taches`). CSV : tout séparateur (`;` `,` tabulation `|`, détecté), UTF-8 (avec ou sans BOM) ou Windows-1252, dates ' +
        'JJ/MM/AAAA, virgule décimale. XLSX : première feuille, sans formules. La première ligne est l’en-tête : les colonnes sont ' +
        'associées aux champs d’après leur nom (français ou anglais). Répond dès le fichier lu et enregistré, au statut `analyse` : ' +
        'chaque ligne est ensuite analysée en arrière-plan (erreurs par champ, doublons dans le fichier et avec l’existant), ' +
        'suivre `GET /api/imports/{id}/` jusqu’au statut `pret` ; rien n’est importé avant `POST /api/imports/{id}/valider/`. ' +
        'Un fichier refusé (format, vide, trop gros, formules, encodage inconnu) : 400 sur `fichier`, rien n’est écrit. ' +
        'Coûte 10 requêtes de la limite.',
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['fichier', 'ressource'],
              properties: {
                fichier: { type: 'string', format: 'binary', description: 'Le fichier CSV ou XLSX' },
                ressource: {
                  type: 'string',
                  enum: ['clients', 'opportunites', 'taches'],
                  description: 'Ce que contient le fichier',
                },
              },
            },
          },
        },
      },
      successStatus: 201,
      // Described under 200: the document moves it to `successStatus` and adds the rate-limit headers.
      responses: {
        200: {
          description: 'Import créé (statut `analyse`), avec sa correspondance proposée ; l’aperçu suit l’analyse',
          headers: { Location: { schema: { type: 'string' }, description: 'Chemin de l’import' } },
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Import' } } },
        },
        400: errorResponse('Fichier refusé (`fieldErrors.fichier`) ou `ressource` invalide ; rien n’est écrit'),
      },
    },
  });
  openApi('/imports/{id}/rejets/', {
    get: {
      tags: ['imports'],
      operationId: 'imports-rejets',
      summary: 'Rapport des lignes rejetées (CSV)',
      description:
        'Les lignes rejetées (à l’analyse, ou par l’import une fois terminé) : numéro de ligne, cellules d’origine et erreurs. ' +
        'CSV UTF-8 avec BOM, séparateur `;`. 404 si l’import n’est pas visible par l’appelant.',
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer', minimum: 1 } }],
      responses: {
        200: {
          description: 'Le rapport',
          headers: {
            'Content-Disposition': {
              schema: { type: 'string' },
              description: 'attachment; filename="clients-rejets.csv"',
            },
          },
          content: { 'text/csv': { schema: { type: 'string' } } },
        },
        404: errorResponse('Import introuvable ou non visible'),
      },
    },
  });
};

const query = (q: unknown): Record<string, unknown> =>
  q && typeof q === 'object' ? (q as Record<string, unknown>) : {};

/** 400 in the contract's shape, the reason on `fichier` (with the cell of a formula). */
function fileRefused(reply: FastifyReply, lang: Lang, key: MessageKey, detail?: string) {
  const reason = translate(lang, key) + (detail ? ` (${lang === 'en' ? 'cell' : 'cellule'} ${detail})` : '');
  return reply
    .code(400)
    .header('content-type', 'application/json; charset=utf-8')
    .send(
      JSON.stringify({
        code: 'BAD_REQUEST',
        message: translate(lang, 'import.fichier_invalide'),
        fieldErrors: { fichier: [reason] },
      }),
    );
}
