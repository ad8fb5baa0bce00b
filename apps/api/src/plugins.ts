import type { ServerPlugin } from './server.js';

/** Plain Fastify routes of feature modules (file downloads: devis PDF, report exports). */
export const featurePlugins: ServerPlugin[] = [];
