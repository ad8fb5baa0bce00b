import type { EntityManager } from '@crm/db';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/sessions.js';
import type { AppDeps } from '../deps.js';
import { langFromHeader, type Lang } from '../lib/i18n.js';

export interface Context {
  deps: AppDeps;
  /** Per-request EntityManager (identity map scoped to the request). */
  em: EntityManager;
  lang: Lang;
  req: FastifyRequest;
  reply: FastifyReply;
  ip: string;
  /**
   * Shared by reference through middlewares (tRPC copies ctx): HTTP status for REST success
   * answers (201 on create, 204 on delete/logout) and extra response headers.
   */
  response: { status?: number; headers: Record<string, string> };
}

export interface AuthedContext extends Context {
  user: AuthUser;
  sessionId: string;
  authVia: AuthVia;
  /** Set when the caller is an API key (acting as `user`). */
  apiKey?: { id: number; scopes: string[] };
}

export type AuthVia = 'bearer' | 'cookie' | 'apikey';

export function createContextFactory(deps: AppDeps) {
  return ({ req, res }: { req: FastifyRequest; res: FastifyReply }): Context => {
    let em: EntityManager | undefined;
    return {
      deps,
      get em() {
        em ??= deps.orm.em.fork() as EntityManager;
        return em;
      },
      lang: langFromHeader(req.headers['accept-language']),
      req,
      reply: res,
      ip: req.ip,
      response: { headers: {} },
    };
  };
}
