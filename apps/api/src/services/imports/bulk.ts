import type { EntityManager } from '@crm/db';
import { dataChangesOf } from '../../lib/sql/dataChanges.js';
import { writtenTables } from '../../lib/sql/runner.js';

/**
 * A statement with big array parameters (thousands of rows in `unnest(?::text[], …)`), sent with
 * `$n` placeholders on the connection of `em`'s transaction (or a pooled one outside any): the ORM
 * path would inline the values into the SQL text, escaping and sending megabytes of literals.
 * The knex `query` event is emitted (statement counting), errors are converted like the ORM's, and
 * the tables written are reported to the app's data changes like the runner's writes (caches).
 */
export async function bulkSql<T = Record<string, any>>(
  em: EntityManager,
  text: string,
  params: unknown[],
): Promise<T[]> {
  let n = 0;
  const numbered = text.replace(/\?/g, () => `$${++n}`);
  const trx = em.getTransactionContext() as any;
  const client = trx ? trx.client : (em.getConnection().getKnex() as any).client;
  const conn = await client.acquireConnection();
  try {
    (em.getConnection().getKnex() as any).client.emit('query', {
      __knexUid: conn.__knexUid,
      method: 'raw',
      sql: text,
      bindings: params,
    });
    const res = await conn.query({ text: numbered, values: params });
    const written = writtenTables(text);
    if (written) await dataChangesOf(em)?.written(written, trx ?? undefined);
    return res.rows as T[];
  } catch (err) {
    throw em.getDriver().convertException(err as Error);
  } finally {
    if (!trx) await client.releaseConnection(conn);
  }
}
