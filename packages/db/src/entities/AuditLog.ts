import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const AuditLog = defineEntity({
  name: 'AuditLog',
  tableName: 'audit_log',
  properties: {
    id: p.bigint('number').primary(),
    user: p.integer().fieldName('user_id').nullable(),
    action: p.string().length(60),
    entity: p.string().length(40).default(''),
    entityId: p.integer().fieldName('entity_id').nullable(),
    details: p.json<Record<string, unknown>>().default('{}'),
    ip: p.string().length(64).default(''),
    createdAt: p
      .datetime()
      .fieldName('created_at')
      .onCreate(() => new Date()),
  },
});
export type AuditLog = InferEntity<typeof AuditLog>;
