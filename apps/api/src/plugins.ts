import type { ServerPlugin } from './server.js';
import { devisPdfRoute } from './routers/devisActions.js';
import { rapportExportRoute } from './routers/rapports.js';
import { courrielPiecesRoute } from './routes/courrielPieces.js';
import { devisPublicRoutes } from './routes/devisPublic.js';
import { calendarFeedRoute } from './routes/calendar.js';

/** Plain Fastify routes of feature modules (file downloads: devis PDF, report exports, mail attachments; the public devis page; the calendar feed). */
export const featurePlugins: ServerPlugin[] = [devisPdfRoute, rapportExportRoute, courrielPiecesRoute, devisPublicRoutes, calendarFeedRoute];
