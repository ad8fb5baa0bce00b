import type { EntityManager } from '@crm/db';
import { Contact } from '@crm/db';
import type { ContactOut } from '@crm/shared';
import type { contactCreateInput, contactPatchInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { notFound } from '../lib/errors.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { Where } from '../lib/sql/where.js';
import { CONTACT_FROM as FROM, getContact } from './contacts/queries.js';
import { resolveRefs } from './refs.js';
import { scopeByClient } from './visibility.js';

type CreateInput = z.infer<typeof contactCreateInput>;
type PatchInput = Omit<z.infer<typeof contactPatchInput>, 'id'>;

/**
 * One main contact per client (a partial unique index holds it): making one main demotes the
 * client's previous one in the same transaction.
 */
async function demoteOtherPrincipal(em: EntityManager, clientId: number, keepId: number): Promise<void> {
  await sql(
    em,
    'update contacts set principal = false, date_modification = now() where client_id = ? and principal and id <> ?',
    [clientId, keepId],
  );
}

export async function createContact(em: EntityManager, user: AuthUser, input: CreateInput): Promise<ContactOut> {
  await resolveRefs(em, user, { client: input.client });
  const id = await em.transactional(async (tem) => {
    // Serializes "make main" writes of one client (two concurrent ones would both demote, then collide).
    if (input.principal) await sql(tem, 'select id from clients where id = ? for update', [input.client]);
    const contact = tem.create(Contact, { ...input });
    if (input.principal) await demoteOtherPrincipal(tem, input.client, 0);
    await tem.flush();
    return contact.id;
  });
  return getContact(em, user, id);
}

/** PUT and PATCH. A contact moved to another client stops being the recipient of the old client's devis. */
export async function updateContact(
  em: EntityManager,
  user: AuthUser,
  id: number,
  input: PatchInput,
): Promise<ContactOut> {
  await em.transactional(async (tem) => {
    const where = scopeByClient(new Where().add('k.id = ?', id), user);
    const cur = await sqlOne(tem, `select k.client_id, k.principal ${FROM} ${where}`, where.params);
    if (!cur) throw notFound();
    const client: number = input.client ?? cur.client_id;
    const clientChanged = client !== cur.client_id;
    if (clientChanged) await resolveRefs(tem, user, { client });
    const principal = input.principal ?? cur.principal;
    if (principal) {
      await sql(tem, 'select id from clients where id = ? for update', [client]);
      await demoteOtherPrincipal(tem, client, id);
    }
    const contact = await tem.findOneOrFail(Contact, id);
    tem.assign(contact, input, { ignoreUndefined: true });
    contact.dateModification = new Date();
    await tem.flush();
    if (clientChanged) await sql(tem, 'update devis set contact_id = null where contact_id = ?', [id]);
  });
  return getContact(em, user, id);
}

/** DELETE (admin/manager): devis addressed to it fall back to the client's address (FK set null). */
export async function deleteContact(em: EntityManager, user: AuthUser, id: number): Promise<void> {
  const where = scopeByClient(new Where().add('k.id = ?', id), user);
  const gone = await sql(
    em,
    `delete from contacts where id = (select k.id ${FROM} ${where}) returning id`,
    where.params,
  );
  if (!gone.length) throw notFound();
}
