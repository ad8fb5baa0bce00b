import type { EntityManager } from '@crm/db';
import { sql } from '../lib/sql/runner.js';

/** Sensitive actions (logins, failures, revocations, deletions, user changes) go to audit_log. */
export async function audit(
  em: EntityManager,
  entry: {
    userId?: number | null;
    action: string;
    entity?: string;
    entityId?: number | null;
    details?: Record<string, unknown>;
    ip?: string;
  },
): Promise<void> {
  await sql(
    em,
    `insert into audit_log (user_id, action, entity, entity_id, details, ip) values (?, ?, ?, ?, ?::jsonb, ?)`,
    [
      entry.userId ?? null,
      entry.action,
      entry.entity ?? '',
      entry.entityId ?? null,
      JSON.stringify(entry.details ?? {}),
      (entry.ip ?? '').slice(0, 64),
    ],
  );
}
