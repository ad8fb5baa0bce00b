import type { ServerResponse } from 'node:http';
import type { ServerPlugin } from './plugin.js';
import { authenticate } from '../trpc/authenticate.js';
import { countUnread } from '../services/notifications.js';

const HEARTBEAT_MS = 25_000;

/**
 * GET /api/notifications/flux/: Server-Sent Events of the caller's unread count. Authenticated like
 * any API call (session cookie for the SPA's EventSource, or Bearer). Sends `event: nonLues` with
 * `{ nonLues }` at once and after every change of the user's notifications (signalled through the
 * UserEventHub: in process, or from any instance through Redis). A comment line every 25 s keeps
 * proxies from closing an idle stream. The stream ends when the access token would have expired,
 * so a revoked or expired session never keeps listening: the browser reconnects with its fresh
 * cookie (or falls back to polling when it gets a 401).
 */
export const notificationsFluxRoute: ServerPlugin = (app, deps, { createContext, openApi }) => {
  const open = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  app.get('/api/notifications/flux/', async (req, reply) => {
    const ctx = createContext({ req, res: reply });
    const { user } = await authenticate(ctx, { family: 'notifications', access: 'lecture' });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff',
      // Reverse proxies (nginx) must not buffer the stream.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 5000\n\n');
    open.add(res);

    // One count query at a time; signals that arrive meanwhile are folded into one more query.
    let running = false;
    let again = false;
    const push = async (): Promise<void> => {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          const nonLues = await countUnread(deps.orm.em.fork(), user.id);
          if (!res.writableEnded) res.write(`event: nonLues\ndata: ${JSON.stringify({ nonLues })}\n\n`);
        } while (again && !res.writableEnded);
      } catch (err) {
        req.log.warn({ err }, 'notification stream: count failed');
      } finally {
        running = false;
      }
    };

    const unsubscribe = deps.userEvents.subscribe(user.id, () => void push());
    const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    const expiry = setTimeout(() => res.end(), deps.config.accessTtlSeconds * 1000);
    const cleanup = () => {
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(expiry);
      open.delete(res);
    };
    res.on('close', cleanup);
    await push();
  });

  openApi('/notifications/flux/', {
    get: {
      tags: ['notifications'],
      summary: 'Flux temps réel du nombre de notifications non lues (Server-Sent Events)',
      description:
        'Réponse `text/event-stream` : un événement `nonLues` (`data: {"nonLues": 3}`) à la connexion puis à chaque changement ' +
        '(nouvelle notification, lecture), sur toutes les instances de l’API (Redis). Commentaire `: ping` toutes les 25 s. ' +
        'Le flux se ferme à l’expiration du jeton d’accès (15 min) ; le navigateur se reconnecte avec son cookie. ' +
        'Authentification par le cookie de session ou `Authorization: Bearer` (jeton ou clé d’API de portée `notifications:lecture`).',
      operationId: 'notifications-flux',
      security: [{ bearerAuth: [] }],
      responses: {
        200: { description: 'Flux d’événements', content: { 'text/event-stream': { schema: { type: 'string' } } } },
        401: {
          description: 'Authentification requise',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    },
  });
};
