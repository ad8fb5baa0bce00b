import { generateOpenApiDocument } from 'trpc-to-openapi';
import type { AnyRouter } from '@trpc/server';

/**
 * The OpenAPI 3 document of the REST surface. Paths carry their trailing slash as in the
 * contract, errors are described with the contract's shape, and both auth schemes are declared.
 */
export function buildOpenApiDocument(router: AnyRouter, extraPaths: Record<string, any> = {}): Record<string, any> {
  const doc = generateOpenApiDocument(router, {
    title: 'CRM API',
    version: '1.0.0',
    description:
      "API REST du CRM. Authentification : `Authorization: Bearer <access>` (obtenu par POST /api/auth/login/) " +
      'ou cookies httpOnly (SPA, avec en-tête X-CSRFToken). Erreurs : `{ code, message, fieldErrors }`, en français ' +
      'ou en anglais avec `Accept-Language: en`.',
    baseUrl: '/api',
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  }) as Record<string, any>;
  const paths: Record<string, any> = {};
  for (const [p, item] of Object.entries({ ...doc.paths, ...extraPaths })) paths[p.endsWith('/') || /\.[a-z]+$/.test(p) ? p : `${p}/`] = item; // file paths (.ics) keep no slash
  doc.paths = paths;
  doc.components ??= {};
  doc.components.schemas = {
    ...(doc.components.schemas ?? {}),
    Error: {
      type: 'object',
      required: ['code', 'message', 'fieldErrors'],
      properties: {
        code: { type: 'string', enum: ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'TOO_MANY_REQUESTS', 'INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE'] },
        message: { type: 'string' },
        fieldErrors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      },
    },
  };
  // Replace the adapter's generic error bodies with the contract's shape.
  for (const item of Object.values(paths)) {
    for (const op of Object.values(item as Record<string, any>)) {
      for (const [status, resp] of Object.entries((op?.responses ?? {}) as Record<string, any>)) {
        if (Number(status) >= 400 && resp?.content?.['application/json']) {
          resp.content['application/json'].schema = { $ref: '#/components/schemas/Error' };
        }
      }
    }
  }
  return doc;
}

export const DOCS_HTML = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>CRM API — documentation</title>
<link rel="stylesheet" href="/api/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/static/swagger-ui-bundle.js"></script>
<script src="/api/docs/static/init.js"></script>
</body></html>`;

export const DOCS_INIT_JS = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;
