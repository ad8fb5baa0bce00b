import type { ServerPlugin } from './server.js';
import { devisPdfRoute } from './routers/devisActions.js';
import { rapportExportRoute } from './routers/rapports.js';
import { calendarFeedRoute } from './routes/calendar.js';

/** Plain Fastify routes of feature modules (file downloads: devis PDF, report exports). */
export const featurePlugins: ServerPlugin[] = [devisPdfRoute, rapportExportRoute, calendarFeedRoute];
