import type { MikroORM } from '@crm/db';
import type { EntityManager } from '@crm/db';
import { Redis } from 'ioredis';
import type { AppConfig } from './config.js';
import { TokenService } from './auth/tokens.js';
import { SessionStore, type AuthUser } from './auth/sessions.js';
import { MemoryFailureLimiter, RedisFailureLimiter, type FailureLimiter } from './auth/rateLimit.js';

/** Session validation on every authenticated request; the place where caching may be added. */
export interface SessionValidator {
  validate(em: EntityManager, sessionId: string): Promise<AuthUser | null>;
  /** Called after a session (or all of a user's sessions) is revoked or the user changed. */
  invalidate(sessionIds: string[]): Promise<void>;
}

export interface AppDeps {
  orm: MikroORM;
  config: AppConfig;
  tokens: TokenService;
  sessions: SessionStore;
  sessionCache: SessionValidator;
  loginLimiter: FailureLimiter;
  redis?: Redis;
  close(): Promise<void>;
}

export function createDeps(orm: MikroORM, config: AppConfig): AppDeps {
  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 }) : undefined;
  const sessions = new SessionStore(config.refreshTtlSeconds);
  const loginLimiter: FailureLimiter = redis
    ? new RedisFailureLimiter(redis, config.loginMaxFailures, config.loginWindowSeconds)
    : new MemoryFailureLimiter(config.loginMaxFailures, config.loginWindowSeconds);
  return {
    orm,
    config,
    tokens: new TokenService(config.jwtSecret, config.accessTtlSeconds),
    sessions,
    // Every request checks the session row: revocation is immediate on every instance.
    sessionCache: { validate: (em, sid) => sessions.validate(em, sid), invalidate: async () => {} },
    loginLimiter,
    redis,
    async close() {
      redis?.disconnect();
    },
  };
}
