import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@crm/db';
import { sql, sqlOne } from '../lib/sql/runner.js';

/**
 * Public links of devis (the page a client opens from the e-mail). The token is 256 random bits;
 * only its SHA-256 is stored, so the table leaks nothing usable. A link works while the devis is
 * valid (creation + VALIDITE_JOURS), is the newest version of its opportunity, and has no final
 * answer yet.
 */

/** How long a devis stays valid (printed on it), and so how long its public link works. */
export const VALIDITE_JOURS = 30;

const hash = (token: string) => createHash('sha256').update(token).digest();

export async function createPublicLink(em: EntityManager, devisId: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await sql(em, 'insert into devis_liens (token_hash, devis_id) values (?, ?)', [hash(token), devisId]);
  return token;
}

/** Tokens are base64url of 32 bytes: anything else is not worth a query. */
const TOKEN_RE = /^[A-Za-z0-9_-]{43}$/;

/**
 * The devis id a token opens, or null when unknown, expired or void. `forUpdate` locks the devis
 * row (answering), so the checks hold until the transaction ends.
 */
export async function resolvePublicLink(em: EntityManager, token: string, forUpdate = false): Promise<number | null> {
  if (!TOKEN_RE.test(token)) return null;
  const row = await sqlOne<{ id: number }>(
    em,
    `select d.id from devis_liens l join devis d on d.id = l.devis_id
      where l.token_hash = ?
        and d.statut not in ('accepte', 'refuse', 'brouillon')
        and (d.date_creation at time zone 'Europe/Paris')::date + ${VALIDITE_JOURS} >= (now() at time zone 'Europe/Paris')::date
        and not exists (select 1 from devis n where n.opportunite_id = d.opportunite_id and n.version > d.version)
      ${forUpdate ? 'for update of d' : ''}`,
    [hash(token)],
  );
  return row?.id ?? null;
}
