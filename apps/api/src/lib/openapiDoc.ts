/**
 * The OpenAPI 3.1 document of the REST surface (`GET /api/openapi.json`), built from the router
 * by trpc-to-openapi and then completed here so that it states what the server really answers.
 * Every REST answer of the API test suite is validated against it (test/openapiValidator.ts).
 *
 * Adding an endpoint — what to declare so the document stays true:
 * - tRPC procedure: `.meta({ openapi: { method, path: '/things/{id}/', tags: ['things'], summary, description? },
 *   successStatus: 201 | 204, errors: { 409: 'quand…' } })`. `successStatus` is also what the
 *   server answers (trpc/middlewares/successStatus.ts sets it from the meta: never set `ctx.response.status` for it).
 *   Public operations say `protect: false` in `openapi` (they get `security: []`).
 * - Derived for you, do not declare: 400 (parameters or body), 401, 403 and 429 with `Retry-After`
 *   (authenticated operations: scopes, CSRF, rate limit), 404 (path parameters), 409
 *   (authenticated writes: concurrent change), 413 and 415 (request body), 414 and 500, 503 with
 *   `Retry-After` (database down or saturated; not health nor the documentation); `RateLimit-*`
 *   headers on authenticated successes. Declare 409 with its reason, 429 on public operations
 *   with a limit, 503, and 401/403 on public operations; a reason (`errors: { 409: '…' }`)
 *   replaces the generic description; `{ description, headers }` also documents the headers
 *   that answer carries (login's `RateLimit-Remaining`). The error body is always `#/components/schemas/Error`.
 * - Plain Fastify route (files, HTML): `openApi('/things/{id}/pdf/', { get: { summary, description,
 *   tags, parameters, responses: { 200: … }, errors: [404], public?: true } })` in its ServerPlugin;
 *   the same derivations apply.
 * - Shapes come from zod: give each answer and body schema an id (`.meta({ id: 'Thing', examples })`)
 *   in packages/shared, and every query parameter a `.describe('…')` (in French). A new tag needs
 *   a French description in TAGS below. test/openapi.test.ts fails on anything missing.
 */
import { generateOpenApiDocument } from 'trpc-to-openapi';
import type { AnyRouter } from '@trpc/server';
import {
  declaredErrors,
  ERROR_CODES,
  ERROR_STATUS,
  type DeclaredErrors,
  type ErrorCode,
  type ErrorReason,
  type RestMeta,
} from './restMeta.js';

type Json = Record<string, any>;

/** An operation of a plain route, as given to `openApi()` by a ServerPlugin. */
export type PlainOperation = Json & RestMeta & { public?: boolean };

/** Tags, in the order of the viewer, with their French descriptions. */
export const TAGS: Record<string, string> = {
  auth: 'Authentification : connexion, jetons JWT, cookies de la SPA, déconnexion, mot de passe',
  users: 'Utilisateurs : listes d’assignation ; création et modification réservées aux administrateurs',
  clients: 'Clients : un commercial ne voit que ceux dont il est responsable',
  projets: 'Projets des clients',
  opportunites: 'Opportunités commerciales et pipeline (kanban par étape)',
  taches: 'Tâches et tableau des tâches (par statut)',
  devis: 'Devis : lignes, versions, PDF, envoi par e-mail',
  dashboard: 'Tableau de bord, limité à ce que l’appelant voit',
  rapports: 'Rapports agrégés et exports CSV, Excel, PDF',
  health: 'État du service (sonde des répartiteurs de charge)',
  'cles-api': 'Clés d’API (`crm_…`) : création, portées, révocation',
  webhooks: 'Webhooks : abonnements signés (Standard Webhooks), journal des livraisons, rejeu (admin)',
  calendrier: 'Flux iCalendar personnel (URL secrète) des tâches et conclusions prévues',
  recherche: 'Recherche globale, regroupée par type',
  contacts: 'Contacts (personnes) des clients, visibles comme leur client',
  activites: 'Activités : notes, appels, réunions, e-mails liés à un client',
  imports: 'Imports de clients (et contacts), opportunités et tâches depuis un fichier CSV ou Excel',
  timeline: 'Historique d’un client ou d’une opportunité, le plus récent d’abord (pagination par curseur)',
  notifications: 'Notifications de l’utilisateur (et leur flux Server-Sent Events)',
  courriels: 'Courriels envoyés (boîte d’envoi) : état de livraison, contenu et pièces jointes (admin)',
  'devis-public':
    'Page publique d’un devis (lien reçu par e-mail, sans connexion) : consultation, PDF, acceptation ou refus',
  documentation: 'Ce document et son visualiseur',
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const BODY_METHODS = new Set(['post', 'put', 'patch']);

const ERROR_RESPONSES: Record<number, { name: string; description: string; code: ErrorCode }> = {
  400: {
    name: 'BadRequest',
    description: 'Données invalides : `fieldErrors` nomme chaque champ en cause',
    code: 'BAD_REQUEST',
  },
  401: {
    name: 'Unauthorized',
    description: 'Authentification absente, invalide, expirée ou révoquée',
    code: 'UNAUTHORIZED',
  },
  403: {
    name: 'Forbidden',
    description: 'Action non permise : rôle, portée de la clé d’API, ou en-tête X-CSRFToken absent (appel par cookie)',
    code: 'FORBIDDEN',
  },
  404: { name: 'NotFound', description: 'Objet inexistant ou non visible par l’appelant', code: 'NOT_FOUND' },
  409: {
    name: 'Conflict',
    description: 'Conflit avec l’état actuel (modification concurrente : recharger et réessayer)',
    code: 'CONFLICT',
  },
  413: {
    name: 'PayloadTooLarge',
    description: 'Corps de requête trop volumineux (1 Mo au plus)',
    code: 'PAYLOAD_TOO_LARGE',
  },
  414: { name: 'UriTooLong', description: 'Adresse (chemin et paramètres) trop longue', code: 'URI_TOO_LONG' },
  415: {
    name: 'UnsupportedMediaType',
    description: 'Type de contenu non pris en charge (JSON attendu)',
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  429: {
    name: 'TooManyRequests',
    description:
      'Trop de requêtes (limite par clé d’API ou par utilisateur) : réessayer après le délai de `Retry-After`',
    code: 'TOO_MANY_REQUESTS',
  },
  500: {
    name: 'InternalServerError',
    description: 'Erreur interne (jamais de trace ni de SQL)',
    code: 'INTERNAL_SERVER_ERROR',
  },
  503: {
    name: 'ServiceUnavailable',
    description: 'Base de données injoignable ou saturée : réessayer après le délai de `Retry-After`',
    code: 'SERVICE_UNAVAILABLE',
  },
};

/** Sent on every authenticated answer (the caller's rate limit, draft-ietf-httpapi-ratelimit-headers). */
const RATE_LIMIT_HEADERS: Json = {
  'RateLimit-Limit': { description: 'Requêtes permises par minute', schema: { type: 'string', pattern: '^[0-9]+$' } },
  'RateLimit-Remaining': {
    description: 'Requêtes restantes dans la fenêtre',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
  'RateLimit-Reset': {
    description: 'Secondes avant que la réserve soit pleine',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
  'RateLimit-Policy': { description: 'Politique : `<capacité>;w=60`', schema: { type: 'string' } },
};
const rateLimitHeaderRefs = Object.fromEntries(
  Object.keys(RATE_LIMIT_HEADERS).map((h) => [h, { $ref: `#/components/headers/${h}` }]),
);

const SUCCESS_DESCRIPTIONS: Record<number, string> = { 200: 'Succès', 201: 'Créé', 204: 'Fait, sans contenu' };

const SECURITY_SCHEMES: Json = {
  bearerAuth: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "`Authorization: Bearer <access>` : jeton d'accès JWT (15 minutes) obtenu par POST /api/auth/login/ ou /api/auth/refresh/, " +
      'ou clé d’API `crm_…` (agit comme son utilisateur, dans ses portées). Exempté de CSRF.',
  },
  cookieAuth: {
    type: 'apiKey',
    in: 'cookie',
    name: 'crm_access',
    description:
      'Cookie httpOnly posé par la connexion (SPA). Les méthodes POST, PUT, PATCH et DELETE exigent aussi X-CSRFToken.',
  },
  csrfToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-CSRFToken',
    description:
      'Valeur du cookie `csrftoken` posé par la connexion ; exigé avec cookieAuth sur les méthodes qui modifient.',
  },
};

/** The document's own endpoints, public like the contract says. */
const DOCUMENTATION_PATHS: Record<string, Record<string, PlainOperation>> = {
  '/openapi.json': {
    get: {
      tags: ['documentation'],
      operationId: 'openapi-document',
      summary: 'Ce document OpenAPI 3.1',
      description: 'Le document décrivant chaque chemin REST, ses statuts, ses erreurs et ses schémas. Public.',
      public: true,
      responses: {
        200: { description: 'Le document', content: { 'application/json': { schema: { type: 'object' } } } },
      },
    },
  },
  '/docs/': {
    get: {
      tags: ['documentation'],
      operationId: 'openapi-viewer',
      summary: 'Visualiseur interactif du document (Swagger UI)',
      description: 'Page HTML servie localement (aucune ressource externe). Public.',
      public: true,
      responses: { 200: { description: 'La page', content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
};

interface ProcedureInfo {
  meta: RestMeta & { openapi?: { protect?: boolean; successDescription?: string } };
  inputId?: string;
}

/** `GET /clients/{id}/` → meta and input schema id of the procedure serving it. */
function proceduresByOperation(router: AnyRouter): Map<string, ProcedureInfo> {
  const out = new Map<string, ProcedureInfo>();
  for (const procedure of Object.values(router._def.procedures as Record<string, any>)) {
    const meta = procedure._def.meta;
    if (!meta?.openapi) continue;
    const input = procedure._def.inputs?.[0];
    out.set(operationKey(meta.openapi.method, meta.openapi.path), { meta, inputId: input?.meta?.()?.id });
  }
  return out;
}

const withSlash = (p: string) => (p.endsWith('/') || /\.\w+$/.test(p) ? p : `${p}/`);
const operationKey = (method: string, path: string) => `${method.toUpperCase()} ${withSlash(path)}`;

const generated = new WeakMap<AnyRouter, Json>();

/**
 * trpc-to-openapi's document of `router`, generated once per router and process (a tenth of a
 * second of CPU or more: every input and output schema converted), then copied for each caller, which
 * completes it in place. The test suites start dozens of apps per process, each serving its document.
 */
function generatedDocument(router: AnyRouter): Json {
  let doc = generated.get(router);
  if (!doc) {
    doc = generateOpenApiDocument(router, {
      title: 'CRM API',
      version: '1.0.0',
      baseUrl: '/api',
      securitySchemes: SECURITY_SCHEMES as any,
    }) as Json;
    generated.set(router, doc);
  }
  return structuredClone(doc);
}

export function buildOpenApiDocument(
  router: AnyRouter,
  extraPaths: Record<string, Record<string, PlainOperation>> = {},
): Json {
  const doc = generatedDocument(router);
  const procedures = proceduresByOperation(router);
  const schemas: Json = doc.components?.schemas ?? {};
  const usedResponses = new Set<number>();
  const requestBodies: Json = {};
  const paths: Json = {};
  // Merged operation by operation, never path item by path item: a path may have procedures (the
  // list: GET) and plain routes (the upload: POST), and its spelling may differ between sources
  // (the generator drops trailing slashes, plain routes keep them) — one source's item must not
  // replace another's. The same operation described twice is a mistake, not an override.
  for (const source of [doc.paths ?? {}, extraPaths, DOCUMENTATION_PATHS] as Json[]) {
    for (const [rawPath, item] of Object.entries(source)) {
      const path = withSlash(rawPath);
      paths[path] ??= {};
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        if (paths[path][method]) throw new Error(`OpenAPI: ${method.toUpperCase()} ${path} described twice`);
        const info = procedures.get(operationKey(method, path));
        paths[path][method] = completeOperation(op, method, path, info, requestBodies, usedResponses);
      }
    }
  }

  // The adapter's generic error bodies (`error.BAD_REQUEST`…) are replaced by the contract's Error.
  for (const name of Object.keys(schemas)) if (name.startsWith('error.')) delete schemas[name];
  schemas.Error = {
    type: 'object',
    description: "Toute réponse d'erreur, en français (en anglais avec `Accept-Language: en`)",
    required: ['code', 'message', 'fieldErrors'],
    properties: {
      code: { type: 'string', enum: ERROR_CODES, description: 'Code stable, lié au statut HTTP' },
      message: { type: 'string', description: 'Message lisible' },
      fieldErrors: {
        type: 'object',
        description: 'Messages par champ en cause (vide sinon)',
        additionalProperties: { type: 'array', items: { type: 'string' } },
      },
    },
    examples: [
      { code: 'BAD_REQUEST', message: 'Données invalides.', fieldErrors: { email: ['Adresse e-mail invalide.'] } },
    ],
  };

  return {
    openapi: doc.openapi,
    info: {
      title: 'CRM API',
      version: '1.0.0',
      summary: 'API REST du CRM (clients, projets, opportunités, tâches, devis, rapports)',
      description:
        'API REST du CRM, sous `/api/`. JSON en UTF-8 ; chaque chemin se termine par `/` (sans, la même réponse). ' +
        'Authentification : `Authorization: Bearer <access>` (POST /api/auth/login/) ou clé d’API `crm_…`, ou cookies httpOnly ' +
        'de la SPA avec l’en-tête `X-CSRFToken` sur les méthodes qui modifient. Listes paginées `{ count, page, pageSize, results }`. ' +
        'Erreurs : `{ code, message, fieldErrors }`, en français, en anglais avec `Accept-Language: en`. ' +
        '`HEAD` répond comme `GET`, sans corps ; une méthode non prise en charge sur un chemin connu répond 405 avec `Allow`.',
      license: { name: 'Propriétaire', identifier: 'LicenseRef-Proprietary' },
    },
    servers: serversFor(),
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b))),
      requestBodies: Object.fromEntries(Object.entries(requestBodies).sort(([a], [b]) => a.localeCompare(b))),
      responses: Object.fromEntries([...usedResponses].sort().map((s) => [ERROR_RESPONSES[s].name, errorResponse(s)])),
      headers: RATE_LIMIT_HEADERS,
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}

/**
 * Server entries: the absolute URL the document was fetched from (when known: generated clients
 * and viewers can use it as is), then a template for any other deployment.
 */
export function serversFor(origin?: string): Json[] {
  return [
    ...(origin ? [{ url: `${origin}/api`, description: 'Ce serveur' }] : []),
    {
      url: '{scheme}://{host}/api',
      description: 'Une instance du CRM',
      variables: {
        scheme: { enum: ['https', 'http'], default: 'https', description: 'Protocole' },
        host: { default: '127.0.0.1:3000', description: 'Hôte et port' },
      },
    },
  ];
}

function completeOperation(
  raw: Json,
  method: string,
  path: string,
  info: ProcedureInfo | undefined,
  requestBodies: Json,
  usedResponses: Set<number>,
): Json {
  const {
    public: isPublicPlain,
    successStatus: plainStatus,
    errors: plainErrors,
    sameBodyStatuses: plainSame,
    ...op
  } = raw as PlainOperation;
  const meta: RestMeta = info?.meta ?? { successStatus: plainStatus, errors: plainErrors, sameBodyStatuses: plainSame };
  const isPublic = info
    ? info.meta.openapi?.protect === false
    : isPublicPlain === true || (Array.isArray(op.security) && op.security.length === 0);
  const hasBody = BODY_METHODS.has(method);
  const writes = hasBody || method === 'delete';

  op.security = isPublic
    ? []
    : writes
      ? [{ bearerAuth: [] }, { cookieAuth: [], csrfToken: [] }]
      : [{ bearerAuth: [] }, { cookieAuth: [] }];

  // Parameters: the zod description becomes the parameter's.
  const parameters: Json[] = op.parameters ?? [];
  for (const p of parameters) {
    if (!p.description && p.schema?.description) p.description = p.schema.description;
    if (p.in === 'path' && !p.description) p.description = 'Identifiant';
  }
  if (parameters.length) op.parameters = parameters;
  else delete op.parameters;

  // Request body: optional when `{}` is acceptable (no required field); named after the input
  // schema's id, as a request body component (generators then keep defaulted fields optional).
  const schema = op.requestBody?.content?.['application/json']?.schema;
  if (schema) {
    const required = schema.required;
    op.requestBody.required = Array.isArray(required) && required.length > 0;
    op.requestBody.description ??= schema.description ?? (op.requestBody.required ? 'Corps JSON' : 'Corps facultatif');
    if (info?.inputId) {
      if (requestBodies[info.inputId]) throw new Error(`OpenAPI: two request bodies named ${info.inputId}`);
      requestBodies[info.inputId] = op.requestBody;
      op.requestBody = { $ref: `#/components/requestBodies/${info.inputId}` };
    }
  }

  // Success: the declared status (trpc-to-openapi always writes 200).
  const responses: Json = {};
  const generated = op.responses ?? {};
  const success = meta.successStatus ?? 200;
  const ok = generated[200] ?? generated['200'];
  if (ok) {
    const description =
      info?.meta.openapi?.successDescription ?? (info ? SUCCESS_DESCRIPTIONS[success] : ok.description);
    responses[success] = success === 204 ? { description } : { ...ok, description };
    if (!isPublic) responses[success].headers = { ...rateLimitHeaderRefs, ...(responses[success].headers ?? {}) };
    if (!responses[success].headers) delete responses[success].headers;
    for (const [status, d] of Object.entries(meta.sameBodyStatuses ?? {}))
      responses[status] = { ...responses[success], description: d };
  }
  for (const [status, resp] of Object.entries(generated)) {
    if (Number(status) < 400 && Number(status) !== 200) responses[status] = resp;
  }

  // Errors: derived from the operation's shape, then the declared ones (with their reasons).
  const errors = new Map<number, ErrorReason | undefined>();
  const hasParams = parameters.length > 0 || !!op.requestBody;
  if (hasParams || hasBody) errors.set(400, undefined);
  if (!isPublic) {
    errors.set(401, undefined);
    errors.set(403, undefined);
  }
  if (parameters.some((p) => p.in === 'path')) errors.set(404, undefined);
  if (!isPublic && (hasBody || method === 'delete')) errors.set(409, undefined);
  if (hasBody) {
    errors.set(413, undefined);
    errors.set(415, undefined);
  }
  // Every authenticated request is taken from its caller's rate limit (per API key or per user).
  if (!isPublic) errors.set(429, undefined);
  // Any URL can be too long; anything that needs the database answers 503 when it is down or saturated.
  errors.set(414, undefined);
  if (!op.tags?.includes('documentation') && !meta.sameBodyStatuses?.[503]) errors.set(503, undefined);
  errors.set(500, undefined);
  for (const [s, d] of declaredErrors(meta.errors as DeclaredErrors | undefined)) errors.set(s, d);
  for (const status of [...errors.keys()].sort()) {
    if (responses[status]) continue;
    const reason = errors.get(status);
    if (!reason) usedResponses.add(status);
    if (!reason) responses[status] = { $ref: `#/components/responses/${ERROR_RESPONSES[status].name}` };
    else if (typeof reason === 'string') responses[status] = { ...errorResponse(status), description: reason };
    else {
      const base = errorResponse(status);
      responses[status] = {
        ...base,
        description: reason.description,
        headers: { ...(base.headers ?? {}), ...reason.headers },
      };
    }
  }
  // A plain route may also answer an error in another media type (the public devis page's HTML
  // 404 for browsers): those alternatives are kept beside the contract's JSON error.
  for (const [status, resp] of Object.entries(generated as Json)) {
    const extra = Object.entries((resp as Json).content ?? {}).filter(([type]) => type !== 'application/json');
    if (Number(status) < 400 || !extra.length || !responses[status]) continue;
    const base = responses[status].$ref ? errorResponse(Number(status)) : responses[status];
    responses[status] = { ...base, content: { ...base.content, ...Object.fromEntries(extra) } };
  }
  op.responses = responses;

  op.description ??= describeOperation(op, method, path, success);
  if (!op.description) delete op.description;
  return op;
}

function errorResponse(status: number): Json {
  const r = ERROR_RESPONSES[status];
  if (!r || ERROR_STATUS[r.code] !== status) throw new Error(`OpenAPI: no error response for status ${status}`);
  return {
    description: r.description,
    ...(status === 429 || status === 503
      ? {
          headers: {
            'Retry-After': {
              required: true,
              description: 'Secondes à attendre avant de réessayer',
              schema: { type: 'string', pattern: '^[0-9]+$' },
            },
          },
        }
      : {}),
    content: {
      'application/json': {
        schema: {
          allOf: [{ $ref: '#/components/schemas/Error' }, { type: 'object', properties: { code: { const: r.code } } }],
        },
      },
    },
  };
}

/** A description from what the operation is, for operations that give none beyond their summary. */
function describeOperation(op: Json, method: string, path: string, success: number): string {
  const parts: string[] = [op.summary ? `${op.summary}.` : ''];
  const schema = op.responses?.[success]?.content?.['application/json']?.schema;
  const ref: string = schema?.$ref ?? '';
  if (method === 'get' && (ref.endsWith('Page') || schema?.properties?.results)) {
    parts.push(
      'Réponse paginée `{ count, page, pageSize, results }` (`?page=`, `?pageSize=` jusqu’à 100) ; seuls les objets visibles par l’appelant sont listés.',
    );
  } else if (method === 'get' && path.includes('{')) {
    parts.push('404 si l’objet n’existe pas ou n’est pas visible par l’appelant.');
  }
  if (method === 'put')
    parts.push('Remplace tous les champs modifiables (les champs absents reprennent leur valeur par défaut).');
  if (method === 'patch') parts.push('Seuls les champs fournis sont modifiés.');
  if (method === 'delete') parts.push('Réservé aux rôles admin et manager (403 sinon).');
  if (success === 201) parts.push('Répond 201 avec l’objet créé.');
  if (success === 204) parts.push('Répond 204, sans corps.');
  return parts.filter(Boolean).join(' ');
}

export const DOCS_HTML = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>CRM API — documentation</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/docs/static/init.js"></script>
</body></html>`;

export const DOCS_INIT_JS = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;
