import type { ServerPlugin } from './server.js';
import { devisPdfRoute } from './routers/devisActions.js';
import { rapportExportRoute } from './routers/rapports.js';
import { courrielPiecesRoute } from './routes/courrielPieces.js';
import { devisPublicRoutes } from './routes/devisPublic.js';

/** Plain Fastify routes of feature modules (file downloads: devis PDF, report exports, mail attachments; the public devis page). */
export const featurePlugins: ServerPlugin[] = [devisPdfRoute, rapportExportRoute, courrielPiecesRoute, devisPublicRoutes];
