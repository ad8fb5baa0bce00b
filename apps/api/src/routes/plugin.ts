import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import type { PlainOperation } from '../lib/openapiDoc.js';
import type { Context } from '../trpc/context.js';

/**
 * A feature's plain Fastify routes (file downloads are not JSON, so they are not tRPC procedures).
 * `openApi` adds their description to /api/openapi.json (path relative to /api, e.g. '/devis/{id}/pdf/';
 * what to declare: see the top of lib/openapiDoc.ts).
 */
export type ServerPlugin = (
  app: FastifyInstance,
  deps: AppDeps,
  helpers: {
    createContext: (o: { req: any; res: any }) => Context;
    openApi: (path: string, item: Partial<Record<'get' | 'post' | 'put' | 'patch' | 'delete', PlainOperation>>) => void;
  },
) => void | Promise<void>;
