import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { TRPCError } from '@trpc/server';
import type { ServerPlugin } from './plugin.js';
import { MemoryFailureLimiter, RedisFailureLimiter, type FailureLimiter } from '../auth/rateLimit.js';
import { ApiError } from '../lib/errors.js';
import { langFromHeader, translate } from '../lib/i18n.js';
import { parseOr400 } from '../lib/validation.js';
import {
  accepterInput,
  answerPublicDevis,
  publicDevisPdf,
  refuserInput,
  viewPublicDevis,
} from '../services/devisPublic.js';
import { devisPage, notFoundPage } from './devisPublicPage.js';

/**
 * The public devis page (no login: the unguessable token in the path is the authorisation):
 * JSON for programs, a small French HTML page for browsers (`Accept: text/html`), whose forms post
 * here too (url-encoded). Rate limited per client IP, counting every request, found or not.
 */

/** Requests per IP within the window, on all public devis paths together. */
export const PUBLIC_DEVIS_MAX = 60;
const PUBLIC_DEVIS_WINDOW_SECONDS = 300;

const tokenParam = z.object({ token: z.string().max(100) });
const wantsHtml = (req: FastifyRequest) => /text\/html/.test(String(req.headers.accept ?? '')) || isForm(req);
const isForm = (req: FastifyRequest) =>
  String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
const tokenOf = (req: FastifyRequest) => parseOr400(tokenParam, req.params).token;
const base = (token: string) => `/api/public/devis/${token}/`;

export const devisPublicRoutes: ServerPlugin = async (app, deps, { createContext, openApi }) => {
  const limiter: FailureLimiter = deps.redis
    ? new RedisFailureLimiter(deps.redis, PUBLIC_DEVIS_WINDOW_SECONDS, `${deps.config.redisPrefix}public-devis:`)
    : new MemoryFailureLimiter(PUBLIC_DEVIS_WINDOW_SECONDS);

  await app.register(async (scope) => {
    // The page's forms post url-encoded bodies (only on these routes).
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    scope.addHook('onRequest', async (req, _reply) => {
      const { retryAfter } = await limiter.attempt([{ key: `ip:${req.ip}`, max: PUBLIC_DEVIS_MAX }]);
      if (retryAfter > 0) {
        throw new ApiError('TOO_MANY_REQUESTS', 'error.too_many_requests', undefined, {
          'retry-after': String(retryAfter),
        });
      }
    });

    // Browsers get pages, also for errors; API callers get the contract's JSON errors.
    scope.setErrorHandler(async (error, req, reply) => {
      if (error instanceof ApiError && error.headers)
        for (const [k, v] of Object.entries(error.headers)) reply.header(k, v);
      const code = error instanceof TRPCError ? error.code : '';
      if (wantsHtml(req) && code === 'NOT_FOUND')
        return reply.code(404).type('text/html; charset=utf-8').send(notFoundPage());
      if (wantsHtml(req) && code === 'BAD_REQUEST' && isForm(req)) {
        const ctx = createContext({ req, res: reply });
        const token = tokenOf(req);
        const lang = langFromHeader(req.headers['accept-language']);
        const page = devisPage(
          await viewPublicDevis(ctx.em, deps.config.company, token, req.ip),
          base(token),
          translate(lang, 'err.bon_pour_accord'),
        );
        return reply.code(400).type('text/html; charset=utf-8').send(page);
      }
      throw error; // the server's handler: contract shape
    });

    const em = (req: FastifyRequest, reply: FastifyReply) => createContext({ req, res: reply }).em;

    scope.get('/api/public/devis/:token/', async (req, reply) => {
      const token = tokenOf(req);
      const devis = await viewPublicDevis(em(req, reply), deps.config.company, token, req.ip);
      if (wantsHtml(req)) return reply.type('text/html; charset=utf-8').send(devisPage(devis, base(token)));
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(devis));
    });

    scope.get('/api/public/devis/:token/pdf/', async (req, reply) => {
      const { pdf, filename } = await publicDevisPdf(em(req, reply), deps.config.company, tokenOf(req));
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `inline; filename="${filename}"`)
        .send(pdf);
    });

    const answer = (statut: 'accepte' | 'refuse') => async (req: FastifyRequest, reply: FastifyReply) => {
      const token = tokenOf(req);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const form = isForm(req);
      let devis: Awaited<ReturnType<typeof answerPublicDevis>>;
      if (statut === 'accepte') {
        const input = parseOr400(
          accepterInput,
          form ? { nom: body.nom, bonPourAccord: body.bonPourAccord === 'true' || body.bonPourAccord === 'on' } : body,
        );
        devis = await answerPublicDevis(em(req, reply), deps.config.company, token, { statut, nom: input.nom }, req.ip);
      } else {
        const input = parseOr400(refuserInput, form ? { motif: body.motif || undefined } : body);
        devis = await answerPublicDevis(
          em(req, reply),
          deps.config.company,
          token,
          { statut, motif: input.motif || undefined },
          req.ip,
        );
      }
      if (wantsHtml(req)) return reply.type('text/html; charset=utf-8').send(devisPage(devis, base(token)));
      return reply.type('application/json; charset=utf-8').send(JSON.stringify(devis));
    };
    scope.post('/api/public/devis/:token/accepter/', answer('accepte'));
    scope.post('/api/public/devis/:token/refuser/', answer('refuse'));
  });

  const tokenParameter = {
    name: 'token',
    in: 'path',
    required: true,
    schema: { type: 'string' },
    description: 'Jeton du lien reçu par e-mail',
  };
  const devisSchema = {
    type: 'object',
    properties: {
      numero: { type: 'string' },
      version: { type: 'integer' },
      statut: { type: 'string', enum: ['envoye', 'consulte', 'accepte', 'refuse'] },
      objet: { type: 'string' },
      client: { type: 'object' },
      entreprise: { type: 'object' },
      lignes: { type: ['array', 'null'], items: { type: 'object' } },
      contenu: { type: 'string' },
      montant: { type: 'number' },
      montantTva: { type: 'number' },
      montantTtc: { type: 'number' },
      dateCreation: { type: 'string' },
      dateValidite: { type: 'string', format: 'date' },
      dateReponse: { type: ['string', 'null'] },
      signataire: { type: ['string', 'null'] },
      pdf: { type: 'string' },
    },
  };
  const common = {
    tags: ['devis-public'],
    public: true,
    parameters: [tokenParameter],
    errors: {
      404: 'Lien inconnu, expiré ou caduc',
      429: 'Trop de requêtes depuis cette adresse IP (en-tête Retry-After)',
    },
  };
  // Browsers (`Accept: text/html`) get a French page instead of the JSON error.
  const errors = {
    404: { description: 'Lien inconnu, expiré ou caduc', content: { 'text/html': { schema: { type: 'string' } } } },
  };
  openApi('/public/devis/{token}/', {
    get: {
      ...common,
      operationId: 'devis-public',
      summary: 'Devis public (sans connexion)',
      description:
        'Résumé JSON ; avec `Accept: text/html`, la page en français. La première consultation d’un devis `envoye` le passe à `consulte` (`dateConsultation`).',
      responses: {
        200: {
          description: 'Le devis',
          content: { 'application/json': { schema: devisSchema }, 'text/html': { schema: { type: 'string' } } },
        },
        ...errors,
      },
    },
  });
  openApi('/public/devis/{token}/pdf/', {
    get: {
      ...common,
      operationId: 'devis-public-pdf',
      summary: 'PDF du devis public',
      responses: {
        200: { description: 'PDF', content: { 'application/pdf': { schema: { type: 'string', format: 'binary' } } } },
        ...errors,
      },
    },
  });
  openApi('/public/devis/{token}/accepter/', {
    post: {
      ...common,
      operationId: 'devis-public-accepter',
      summary: 'Accepter le devis (nom du signataire, « Bon pour accord »)',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['nom', 'bonPourAccord'],
              properties: { nom: { type: 'string', maxLength: 200 }, bonPourAccord: { type: 'boolean', enum: [true] } },
            },
          },
        },
      },
      responses: {
        200: {
          description: 'Devis accepté (date, signataire et IP enregistrés)',
          content: { 'application/json': { schema: devisSchema } },
        },
        ...errors,
      },
    },
  });
  openApi('/public/devis/{token}/refuser/', {
    post: {
      ...common,
      operationId: 'devis-public-refuser',
      summary: 'Refuser le devis (motif facultatif)',
      requestBody: {
        required: false,
        content: {
          'application/json': {
            schema: { type: 'object', properties: { motif: { type: 'string', maxLength: 2000 } } },
          },
        },
      },
      responses: {
        200: { description: 'Devis refusé', content: { 'application/json': { schema: devisSchema } } },
        ...errors,
      },
    },
  });
};
