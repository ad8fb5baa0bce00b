import type { EntityManager } from '@crm/db';
import { Activite } from '@crm/db';
import type { ActiviteOut, MessageKey, Page } from '@crm/shared';
import type { activiteCreateInput, activiteListInput, activitePatchInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { ApiError, badRequest, notFound } from '../lib/errors.js';
import { sql, sqlOne } from '../lib/sql/runner.js';
import { columns } from '../lib/sql/columns.js';
import { ISO_UTC } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { renderMarkdown } from '../lib/markdown.js';
import { contactName } from './contacts/queries.js';
import { addSearch, getResource, listResource, userName, type Resource } from './listing.js';
import { resolveRefs } from './refs.js';
import { scopeByClient, seesAll } from './visibility.js';

type ListInput = z.infer<typeof activiteListInput>;
type CreateInput = z.infer<typeof activiteCreateInput>;
type PatchInput = Omit<z.infer<typeof activitePatchInput>, 'id'>;

const FROM = `from activites a join clients c on c.id = a.client_id left join users u on u.id = a.auteur_id
  left join contacts k on k.id = a.contact_id left join opportunites o on o.id = a.opportunite_id left join projets p on p.id = a.projet_id`;
/** How activités are read (list, detail): one column map drives the select list and the row mapping. */
const ACTIVITE_COLUMNS = columns<ActiviteOut>({
  id: 'a.id',
  type: 'a.type',
  sujet: 'a.sujet',
  contenu: 'a.contenu',
  contenuHtml: { derive: (a) => renderMarkdown(a.contenu) },
  date: ISO_UTC('a.date'),
  auteur: 'a.auteur_id',
  auteurNom: userName('u'),
  client: 'a.client_id',
  clientNom: 'c.nom',
  contact: 'a.contact_id',
  contactNom: contactName('k'),
  opportunite: 'a.opportunite_id',
  opportuniteNom: 'o.nom',
  projet: 'a.projet_id',
  projetTitre: 'p.titre',
  dateCreation: ISO_UTC('a.date_creation'),
  dateModification: ISO_UTC('a.date_modification'),
});

export const ACTIVITE_RESOURCE: Resource<ActiviteOut> = {
  from: FROM,
  alias: 'a',
  columns: ACTIVITE_COLUMNS.select,
  orderColumns: { date: 'a.date', dateCreation: 'a.date_creation', type: 'a.type' },
  defaultOrder: 'a.date desc, a.id desc',
  map: ACTIVITE_COLUMNS.map,
};

function filters(user: AuthUser, input: ListInput): Where {
  const where = scopeByClient(new Where(), user);
  addSearch(where, input.search, `crm_fold(a.sujet || ' ' || a.contenu)`);
  if (input.type !== undefined) where.add('a.type = ?', input.type);
  if (input.client !== undefined) where.add('a.client_id = ?', input.client);
  if (input.contact !== undefined) where.add('a.contact_id = ?', input.contact);
  if (input.opportunite !== undefined) where.add('a.opportunite_id = ?', input.opportunite);
  if (input.projet !== undefined) where.add('a.projet_id = ?', input.projet);
  if (input.auteur !== undefined) where.add('a.auteur_id = ?', input.auteur === 'me' ? user.id : input.auteur);
  // Calendar days in UTC, inclusive (like the tâches' echeanceAvant/Apres).
  if (input.dateApres !== undefined) where.add(`a.date >= ?::date`, input.dateApres);
  if (input.dateAvant !== undefined) where.add(`a.date < ?::date + 1`, input.dateAvant);
  return where;
}

export function listActivites(em: EntityManager, user: AuthUser, input: ListInput): Promise<Page<ActiviteOut>> {
  return listResource(em, ACTIVITE_RESOURCE, input, filters(user, input));
}

export function getActivite(em: EntityManager, user: AuthUser, id: number): Promise<ActiviteOut> {
  return getResource(em, ACTIVITE_RESOURCE, scopeByClient(new Where().add('a.id = ?', id), user));
}

const SAME_CLIENT: Record<'contact' | 'opportunite' | 'projet', MessageKey> = {
  contact: 'err.contact_client',
  opportunite: 'err.opportunite_client',
  projet: 'err.projet_client_activite',
};

/** Contact, opportunité and projet must exist, be visible, and belong to the activity's client (else 400 on the field). */
async function checkLinks(
  em: EntityManager,
  user: AuthUser,
  client: number,
  links: { contact: number | null; opportunite: number | null; projet: number | null },
  clientToCheck: boolean,
): Promise<void> {
  const refs = await resolveRefs(em, user, { client: clientToCheck ? client : undefined, ...links });
  const wrong: Record<string, MessageKey[]> = {};
  for (const f of ['contact', 'opportunite', 'projet'] as const) {
    if (links[f] !== null && refs[f] !== client) wrong[f] = [SAME_CLIENT[f]];
  }
  if (Object.keys(wrong).length) throw badRequest(wrong);
}

export async function createActivite(em: EntityManager, user: AuthUser, input: CreateInput): Promise<ActiviteOut> {
  await checkLinks(em, user, input.client, input, true);
  const activite = em.create(Activite, {
    ...input,
    date: input.date ? new Date(input.date) : new Date(),
    auteur: user.id,
  });
  await em.flush();
  return getActivite(em, user, activite.id);
}

/** The author, a manager or an admin may change or delete an activity (others: 403). */
function checkAuthor(user: AuthUser, auteur: number | null): void {
  if (auteur !== user.id && !seesAll(user)) throw new ApiError('FORBIDDEN', 'error.activite_auteur');
}

export async function updateActivite(
  em: EntityManager,
  user: AuthUser,
  id: number,
  input: PatchInput,
): Promise<ActiviteOut> {
  await em.transactional(async (tem) => {
    const where = scopeByClient(new Where().add('a.id = ?', id), user);
    const cur = await sqlOne(
      tem,
      `select a.auteur_id, a.client_id, a.contact_id, a.opportunite_id, a.projet_id
      from activites a join clients c on c.id = a.client_id ${where} for update of a`,
      where.params,
    );
    if (!cur) throw notFound();
    checkAuthor(user, cur.auteur_id);
    const client: number = input.client ?? cur.client_id;
    const pick = (f: 'contact' | 'opportunite' | 'projet'): number | null =>
      input[f] !== undefined ? input[f]! : cur[`${f}_id`];
    const links = { contact: pick('contact'), opportunite: pick('opportunite'), projet: pick('projet') };
    await checkLinks(tem, user, client, links, client !== cur.client_id);
    const a = await tem.findOneOrFail(Activite, id);
    const { date, ...rest } = input;
    tem.assign(a, rest, { ignoreUndefined: true });
    if (date !== undefined) a.date = new Date(date);
    a.dateModification = new Date();
    await tem.flush();
  });
  return getActivite(em, user, id);
}

export async function deleteActivite(em: EntityManager, user: AuthUser, id: number): Promise<void> {
  const where = scopeByClient(new Where().add('a.id = ?', id), user);
  const cur = await sqlOne(
    em,
    `select a.auteur_id from activites a join clients c on c.id = a.client_id ${where}`,
    where.params,
  );
  if (!cur) throw notFound();
  checkAuthor(user, cur.auteur_id);
  await sql(em, 'delete from activites where id = ?', [id]);
}
