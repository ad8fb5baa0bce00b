import { calendarFeedRoute } from './routes/calendar.js';
import { courrielPiecesRoute } from './routes/courrielPieces.js';
import { devisPdfRoute } from './routes/devisPdf.js';
import { devisPublicRoutes } from './routes/devisPublic.js';
import { listExportRoutes } from './routes/listExports.js';
import { notificationsFluxRoute } from './routes/notificationsFlux.js';
import type { ServerPlugin } from './routes/plugin.js';
import { rapportExportRoute } from './routes/rapportExport.js';
import { importRoutes } from './routes/imports.js';

/** Plain Fastify routes of feature modules (file downloads: devis PDF, report and list exports, mail attachments, calendar feed, rejected rows of an import; the public devis page; the notifications' event stream; file uploads of imports). */
export const featurePlugins: ServerPlugin[] = [
  devisPdfRoute,
  rapportExportRoute,
  courrielPiecesRoute,
  devisPublicRoutes,
  calendarFeedRoute,
  listExportRoutes,
  notificationsFluxRoute,
  importRoutes,
];
