import type { EntityManager } from '@crm/db';
import type { ContactOut, contactListInput, Page } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../../auth/sessions.js';
import { columns } from '../../lib/sql/columns.js';
import { ISO_UTC } from '../../lib/sql/values.js';
import { Where } from '../../lib/sql/where.js';
import { addSearch, getResource, listResource, type Resource } from '../listing.js';
import { visibleParent } from '../refs.js';
import { scopeByClient } from '../visibility.js';

/**
 * How contacts are read: one column map drives the select list and the row mapping of the list,
 * its sub-list and the detail (a new field of ContactOut is one line here).
 */

type ListInput = z.infer<typeof contactListInput>;

/** Display name "Prénom Nom" (SQL), shared by the contact list and the summaries that embed a contact. */
export const contactName = (alias: string) => `btrim(${alias}.prenom || ' ' || ${alias}.nom)`;

/** The contact and its client (the visibility scope names `c`). */
export const CONTACT_FROM = 'from contacts k join clients c on c.id = k.client_id';

const CONTACT_COLUMNS = columns<ContactOut>({
  id: 'k.id',
  client: 'k.client_id',
  clientNom: 'c.nom',
  prenom: 'k.prenom',
  nom: 'k.nom',
  nomComplet: contactName('k'),
  fonction: 'k.fonction',
  email: 'k.email',
  telephone: 'k.telephone',
  principal: 'k.principal',
  notes: 'k.notes',
  dateCreation: ISO_UTC('k.date_creation'),
  dateModification: ISO_UTC('k.date_modification'),
});

export const CONTACT_RESOURCE: Resource<ContactOut> = {
  from: CONTACT_FROM,
  alias: 'k',
  columns: CONTACT_COLUMNS.select,
  orderColumns: { nom: 'crm_fold(k.nom)', prenom: 'crm_fold(k.prenom)', dateCreation: 'k.date_creation' },
  // The main contact first, then by name.
  defaultOrder: 'k.principal desc, crm_fold(k.nom) asc, k.id asc',
  map: CONTACT_COLUMNS.map,
};

/** `?search=` on first name, last name and e-mail (matches the trigram index). */
export function contactSearch(where: Where, search: string | undefined, alias = 'k'): Where {
  // `recherche`: the same folded text, stored (Migration20261206100000_imports), with its trigram index.
  return addSearch(where, search, `${alias}.recherche`, 'contacts');
}

function filters(user: AuthUser, input: ListInput): Where {
  const where = scopeByClient(new Where(), user);
  contactSearch(where, input.search);
  if (input.client !== undefined) where.addNarrow('k.client_id = ?', input.client);
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
  const where = filters(user, input).addNarrow('k.client_id = ?', clientId);
  return listResource(em, CONTACT_RESOURCE, input, where, visibleParent(user, 'client', clientId));
}

export function getContact(em: EntityManager, user: AuthUser, id: number): Promise<ContactOut> {
  return getResource(em, CONTACT_RESOURCE, scopeByClient(new Where().add('k.id = ?', id), user));
}
