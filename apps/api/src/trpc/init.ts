import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { RestMeta } from '../lib/restMeta.js';
import type { Context } from './context.js';
import { contractError } from './contractError.js';

/** Procedure meta: trpc-to-openapi's `openapi` plus what the REST answer is (lib/restMeta.ts). */
export type ProcedureMeta = OpenApiMeta<RestMeta>;

export const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error, ctx }) {
      const c = contractError(error, ctx?.lang ?? 'fr');
      // Never a stack trace or SQL on the wire.
      return {
        message: c.message,
        code: shape.code,
        data: { code: c.code, httpStatus: shape.data.httpStatus, path: shape.data.path, fieldErrors: c.fieldErrors },
      };
    },
  });

export const router = t.router;
export const mergeRouters = t.mergeRouters;
export const createCallerFactory = t.createCallerFactory;
