import type { ServerPlugin } from './server.js';
import { devisPdfRoute } from './routers/devisActions.js';
import { rapportExportRoute } from './routers/rapports.js';
import { listExportRoutes } from './routes/listExports.js';

/** Plain Fastify routes of feature modules (file downloads: devis PDF, report and list exports). */
export const featurePlugins: ServerPlugin[] = [devisPdfRoute, rapportExportRoute, listExportRoutes];
