import type { ServerPlugin } from './plugin.js';
import { notFound } from '../lib/errors.js';
import { calendarFeed } from '../services/calendar.js';

/**
 * GET /api/calendrier/{token}.ics: the user's calendar feed, authorised by its secret token alone
 * (calendar apps cannot log in). Unknown or revoked token → 404 in the contract's shape.
 */
export const calendarFeedRoute: ServerPlugin = (app, deps, { openApi }) => {
  app.get('/api/calendrier/:token(^[a-z2-7]{20,64}).ics', async (req, reply) => {
    const { token } = req.params as { token: string };
    const appUrl = `${req.protocol}://${req.host}`;
    const ics = await calendarFeed(deps.orm.em.fork(), token, appUrl);
    if (ics === null) throw notFound();
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('content-disposition', 'inline; filename="crm.ics"')
      .header('cache-control', 'private, max-age=300')
      .send(ics);
  });
  openApi('/calendrier/{token}.ics', {
    get: {
      tags: ['calendrier'],
      summary: 'Flux iCalendar de mes tâches et conclusions prévues',
      description:
        "URL secrète à ajouter dans Google Agenda, Outlook ou Calendrier d'Apple (RFC 5545). Aucune autre authentification.",
      operationId: 'calendrier-flux',
      public: true,
      parameters: [
        {
          name: 'token',
          in: 'path',
          required: true,
          description: 'Jeton secret de l’URL',
          schema: { type: 'string', pattern: '^[a-z2-7]{20,64}$' },
        },
      ],
      responses: {
        200: { description: 'Le calendrier', content: { 'text/calendar': { schema: { type: 'string' } } } },
      },
      errors: { 404: 'Jeton inconnu ou révoqué' },
    },
  });
};
