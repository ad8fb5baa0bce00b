import type { EntityManager } from '@crm/db';
import { Contact } from '@crm/db';
import type { ContactOut, Page } from '@crm/shared';
import { contactCreateInput, contactListInput, contactPatchInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { notFound } from '../lib/errors.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { ISO_UTC } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { addSearch, getResource, listResource, type Resource, type Row } from './listing.js';
import { resolveRefs, visibleParent } from './refs.js';
import { scopeByClient } from './visibility.js';

type ListInput = z.infer<typeof contactListInput>;
type CreateInput = z.infer<typeof contactCreateInput>;
type PatchInput = Omit<z.infer<typeof contactPatchInput>, 'id'>;

/** Display name "Prénom Nom" (SQL), shared by the contact list and the summaries that embed a contact. */
export const contactName = (alias: string) => `btrim(${alias}.prenom || ' ' || ${alias}.nom)`;

const FROM = 'from contacts k join clients c on c.id = k.client_id';
const COLUMNS = `k.id, k.client_id, c.nom as client_nom, k.prenom, k.nom, ${contactName('k')} as nom_complet, k.fonction, k.email,
  k.telephone, k.principal, k.notes, ${ISO_UTC('k.date_creation')} as date_creation, ${ISO_UTC('k.date_modification')} as date_modification`;

function toOut(r: Row): ContactOut {
  return {
    id: r.id,
    client: r.client_id,
    clientNom: r.client_nom,
    prenom: r.prenom,
    nom: r.nom,
    nomComplet: r.nom_complet,
    fonction: r.fonction,
    email: r.email,
    telephone: r.telephone,
    principal: r.principal,
    notes: r.notes,
    dateCreation: r.date_creation,
    dateModification: r.date_modification,
  };
}

export const CONTACT_RESOURCE: Resource<ContactOut> = {
  from: FROM,
  alias: 'k',
  table: 'contacts',
  columns: COLUMNS,
  orderColumns: { nom: 'crm_fold(k.nom)', prenom: 'crm_fold(k.prenom)', dateCreation: 'k.date_creation' },
  // The main contact first, then by name.
  defaultOrder: 'k.principal desc, crm_fold(k.nom) asc, k.id asc',
  map: toOut,
};

/** `?search=` on first name, last name and e-mail (matches the trigram index). */
export function contactSearch(where: Where, search: string | undefined, alias = 'k'): Where {
  // `recherche`: the same folded text, stored (Migration20261206100000_imports), with its trigram index.
  return addSearch(where, search, `${alias}.recherche`);
}

function filters(user: AuthUser, input: ListInput): Where {
  const where = scopeByClient(new Where(), user);
  contactSearch(where, input.search);
  if (input.client !== undefined) where.add('k.client_id = ?', input.client);
  if (input.principal !== undefined) where.add('k.principal = ?', input.principal);
  return where;
}

export function listContacts(em: EntityManager, user: AuthUser, input: ListInput): Promise<Page<ContactOut>> {
  return listResource(em, CONTACT_RESOURCE, input, filters(user, input));
}

/** `GET /clients/{id}/contacts/`: 404 when the client is not visible. */
export function listContactsOfClient(
  em: EntityManager,
  user: AuthUser,
  clientId: number,
  input: ListInput,
): Promise<Page<ContactOut>> {
  const where = filters(user, input).add('k.client_id = ?', clientId);
  return listResource(em, CONTACT_RESOURCE, input, where, visibleParent(user, 'client', clientId));
}

export function getContact(em: EntityManager, user: AuthUser, id: number): Promise<ContactOut> {
  return getResource(em, CONTACT_RESOURCE, scopeByClient(new Where().add('k.id = ?', id), user));
}

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
