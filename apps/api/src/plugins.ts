import type { ServerPlugin } from './server.js';
import { devisPdfRoute } from './routers/devisActions.js';
import { rapportExportRoute } from './routers/rapports.js';
import { listExportRoutes } from './routes/listExports.js';
import { calendarFeedRoute } from './routes/calendar.js';
import { notificationsFluxRoute } from './routes/notificationsFlux.js';

/** Plain Fastify routes of feature modules (file downloads: devis PDF, report and list exports, calendar feed; the notifications' event stream). */
export const featurePlugins: ServerPlugin[] = [devisPdfRoute, rapportExportRoute, calendarFeedRoute, listExportRoutes, notificationsFluxRoute];
