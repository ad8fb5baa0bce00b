import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { User } from './User.js';

/** A login session (lucia-style): revocable server-side; access JWTs carry its id. */
export const Session = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    id: p.string().length(64).primary(),
    user: () => p.manyToOne(User).fieldName('user_id').mapToPk().deleteRule('cascade'),
    createdAt: p
      .datetime()
      .fieldName('created_at')
      .onCreate(() => new Date()),
    expiresAt: p.datetime().fieldName('expires_at'),
    revokedAt: p.datetime().fieldName('revoked_at').nullable(),
    revokedReason: p.string().length(40).fieldName('revoked_reason').nullable(),
    ip: p.string().length(64).default(''),
    userAgent: p.string().length(300).fieldName('user_agent').default(''),
  },
});
export type Session = InferEntity<typeof Session>;

/** One refresh token of a session; single use (used_at set on rotation). */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  properties: {
    tokenHash: p.string().length(64).primary().fieldName('token_hash'),
    session: () => p.manyToOne(Session).fieldName('session_id').mapToPk().deleteRule('cascade'),
    createdAt: p
      .datetime()
      .fieldName('created_at')
      .onCreate(() => new Date()),
    expiresAt: p.datetime().fieldName('expires_at'),
    usedAt: p.datetime().fieldName('used_at').nullable(),
  },
});
export type RefreshToken = InferEntity<typeof RefreshToken>;
