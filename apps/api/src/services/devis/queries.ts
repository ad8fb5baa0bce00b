import type { EntityManager } from '@crm/db';
import type { DevisOut, devisListInput, Page } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../../auth/sessions.js';
import { columns } from '../../lib/sql/columns.js';
import { ISO_UTC, money } from '../../lib/sql/values.js';
import { Where } from '../../lib/sql/where.js';
import { contactName } from '../contacts/queries.js';
import { addSearch, getResource, listResource, type Resource } from '../listing.js';
import { visibleParent } from '../refs.js';
import { scopeByClient, scopeByClientId } from '../visibility.js';

/**
 * How devis are read: one column map drives the select list and the row mapping of the list, its
 * sub-list, the detail, the export and the webhook payloads (a new field of DevisOut is one line
 * here). A list page is one to three statements (see runList), a detail one.
 */

type ListInput = z.infer<typeof devisListInput>;

const ORDER_COLUMNS = { dateCreation: 'd.date_creation', montant: 'd.montant', version: 'd.version' };
/** The devis, its opportunité and client (the visibility scope names `c`). */
export const DEVIS_FROM =
  'from devis d join opportunites o on o.id = d.opportunite_id join clients c on c.id = o.client_id';
/** The devis' latest e-mail (outbox): at most one row per devis, so count(*) is unchanged. */
const LATEST_COURRIEL = `left join lateral (select m.statut, m.tentatives, m.derniere_erreur from courriels m
  where m.devis_id = d.id order by m.id desc limit 1) m on true`;
/** Reads add the recipient contact (a to-one join: counts stay counts of devis). */
const FROM_READ = `${DEVIS_FROM} left join contacts k on k.id = d.contact_id`;

const DEVIS_COLUMNS = columns<DevisOut>({
  id: 'd.id',
  numero: 'd.numero',
  opportunite: 'd.opportunite_id',
  opportuniteNom: 'o.nom',
  client: 'o.client_id',
  clientNom: 'c.nom',
  montant: { sql: 'd.montant', read: money },
  montantTva: { sql: 'd.montant_tva', read: money },
  montantTtc: { sql: 'd.montant + d.montant_tva', read: money },
  statut: 'd.statut',
  version: 'd.version',
  contenu: 'd.contenu',
  lignes: 'd.lignes',
  contact: 'd.contact_id',
  contactNom: contactName('k'),
  dateEnvoi: ISO_UTC('d.date_envoi'),
  dateConsultation: ISO_UTC('d.date_consultation'),
  dateReponse: ISO_UTC('d.date_reponse'),
  signataire: 'd.signataire',
  // A json (not jsonb) object keeps its keys in this order; null when the devis has no e-mail.
  courriel: `case when m.statut is not null then json_build_object('statut', m.statut, 'tentatives', m.tentatives, 'derniereErreur', m.derniere_erreur) end`,
  dateCreation: ISO_UTC('d.date_creation'),
  dateModification: ISO_UTC('d.date_modification'),
});

/** The list's filters, search and visibility (its pages and its export). */
export function devisFilters(user: AuthUser, input: ListInput): Where {
  const where = scopeByClientId(new Where(), user, 'd');
  addSearch(where, input.search, 'd.recherche', 'devis');
  if (input.statut !== undefined) where.add('d.statut = ?', input.statut);
  if (input.opportunite !== undefined) where.addNarrow('d.opportunite_id = ?', input.opportunite);
  return where;
}

/** How devis are read: one statement per page, every summary joined. Exported for other read paths (dashboard). */
export const DEVIS_RESOURCE: Resource<DevisOut> = {
  from: `${FROM_READ} ${LATEST_COURRIEL}`,
  // Filters and visibility name the devis only (its owner is stored: `proprietaire_id`), and the
  // opportunité and client joins are to-one and never empty (foreign keys): counted on devis alone.
  // Counting over the joins made PostgreSQL merge-join 20 000 opportunités for a commercial's
  // 2 000 devis (27 ms for `?statut=envoye`).
  countFrom: 'from devis d',
  alias: 'd',
  columns: DEVIS_COLUMNS.select,
  orderColumns: ORDER_COLUMNS,
  defaultOrder: 'd.date_creation desc, d.id desc',
  map: DEVIS_COLUMNS.map,
};

export function listDevis(em: EntityManager, user: AuthUser, input: ListInput): Promise<Page<DevisOut>> {
  return listResource(em, DEVIS_RESOURCE, input, devisFilters(user, input));
}

/** `GET /opportunites/{id}/devis/`: 404 when the opportunity is not visible. */
export function listDevisOfOpportunite(
  em: EntityManager,
  user: AuthUser,
  opportuniteId: number,
  input: ListInput,
): Promise<Page<DevisOut>> {
  const q = devisOfOpportunite(user, opportuniteId, input);
  return listResource(em, DEVIS_RESOURCE, input, q.where, q.parent);
}

/** The sub-list's filters and its parent check (pages and export). */
export function devisOfOpportunite(user: AuthUser, opportuniteId: number, input: ListInput) {
  return {
    where: devisFilters(user, input).addNarrow('d.opportunite_id = ?', opportuniteId),
    parent: visibleParent(user, 'opportunite', opportuniteId),
  };
}

export async function getDevis(em: EntityManager, user: AuthUser, id: number): Promise<DevisOut> {
  const where = scopeByClient(new Where().add('d.id = ?', id), user);
  return getResource(em, DEVIS_RESOURCE, where);
}
