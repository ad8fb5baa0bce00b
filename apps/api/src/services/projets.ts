import type { EntityManager } from '@crm/db';
import { Projet } from '@crm/db';
import type { Page, ProjetOut } from '@crm/shared';
import { dateFinAfterDebut, projetCreateInput, projetListInput, projetPatchInput, TACHE_STATUTS } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { conflict, fieldError, notFound } from '../lib/errors.js';
import { lockRow, sql, sqlOne } from '../lib/sql/runner.js';
import { day, decimal, iso, moneyOrNull, today } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { lockColumns, TACHE_BOARD } from './kanban.js';
import { addSearch, daysBetween, getResource, listResource, type Resource, type Row } from './listing.js';
import { resolveRefs, visibleParent } from './refs.js';
import { scopeByClient, scopeByClientId } from './visibility.js';

type ListInput = z.infer<typeof projetListInput>;
type CreateInput = z.infer<typeof projetCreateInput>;
type PatchInput = Omit<z.infer<typeof projetPatchInput>, 'id'>;

const ORDER_COLUMNS = {
  titre: 'crm_fold(p.titre)',
  dateDebut: 'p.date_debut',
  dateFin: 'p.date_fin',
  budget: 'p.budget',
  dateCreation: 'p.date_creation',
};
const FROM = 'from projets p join clients c on c.id = p.client_id';
const COLUMNS = `p.id, p.titre, p.description, p.statut, p.date_debut, p.date_fin, p.budget, p.devis_associe_id, p.client_id,
  c.nom as client_nom, p.date_creation, p.date_modification`;

function toOut(r: Row): ProjetOut {
  const dateDebut = day(r.date_debut);
  const dateFin = day(r.date_fin);
  return {
    id: r.id,
    titre: r.titre,
    description: r.description,
    statut: r.statut,
    dateDebut,
    dateFin,
    budget: moneyOrNull(r.budget),
    devisAssocie: r.devis_associe_id,
    client: r.client_id,
    clientNom: r.client_nom,
    duree: daysBetween(dateDebut, dateFin),
    enRetard: dateFin !== null && dateFin < today() && r.statut !== 'termine',
    dateCreation: iso(r.date_creation)!,
    dateModification: iso(r.date_modification)!,
  };
}

/** `enRetard` as SQL: dateFin passed and not termine (same rule as toOut). */
const EN_RETARD = `(p.date_fin < ?::date and p.statut <> 'termine')`;

/** The list's filters, search and visibility (its pages and its export). */
export function projetFilters(user: AuthUser, input: ListInput): Where {
  const where = scopeByClientId(new Where(), user, 'p.client_id');
  addSearch(where, input.search, 'p.recherche');
  if (input.statut !== undefined) where.add('p.statut = ?', input.statut);
  if (input.client !== undefined) where.add('p.client_id = ?', input.client);
  if (input.enRetard === true) where.add(EN_RETARD, today());
  if (input.enRetard === false) where.add(`not coalesce(${EN_RETARD}, false)`, today());
  return where;
}

/** How projets are read: one statement per page, every summary joined. Exported for other read paths (dashboard). */
export const PROJET_RESOURCE: Resource<ProjetOut> = {
  from: FROM,
  countFrom: 'from projets p',
  alias: 'p',
  table: 'projets',
  columns: COLUMNS,
  orderColumns: ORDER_COLUMNS,
  defaultOrder: 'p.date_creation desc, p.id desc',
  map: toOut,
};

export function listProjets(em: EntityManager, user: AuthUser, input: ListInput): Promise<Page<ProjetOut>> {
  return listResource(em, PROJET_RESOURCE, input, projetFilters(user, input));
}

/** `GET /clients/{id}/projets/`: 404 when the client is not visible. */
export function listProjetsOfClient(
  em: EntityManager,
  user: AuthUser,
  clientId: number,
  input: ListInput,
): Promise<Page<ProjetOut>> {
  const q = projetsOfClient(user, clientId, input);
  return listResource(em, PROJET_RESOURCE, input, q.where, q.parent);
}

/** The sub-list's filters and its parent check (pages and export). */
export function projetsOfClient(user: AuthUser, clientId: number, input: ListInput) {
  return {
    where: projetFilters(user, input).add('p.client_id = ?', clientId),
    parent: visibleParent(user, 'client', clientId),
  };
}

export async function getProjet(em: EntityManager, user: AuthUser, id: number): Promise<ProjetOut> {
  const where = scopeByClient(new Where().add('p.id = ?', id), user);
  return getResource(em, PROJET_RESOURCE, where);
}

/** The devis associated with a projet must belong to an opportunity of the projet's client. */
function checkDevisClient(devisClient: number | undefined, client: number): void {
  if (devisClient !== undefined && devisClient !== client) throw fieldError('devisAssocie', 'err.devis_client');
}

export async function createProjet(em: EntityManager, user: AuthUser, input: CreateInput): Promise<ProjetOut> {
  const refs = await resolveRefs(em, user, { client: input.client, devisAssocie: input.devisAssocie });
  checkDevisClient(refs.devisAssocie, input.client);
  const projet = em.create(Projet, {
    titre: input.titre,
    description: input.description,
    statut: input.statut,
    dateDebut: input.dateDebut,
    dateFin: input.dateFin,
    budget: input.budget === null ? null : decimal(input.budget),
    devisAssocie: input.devisAssocie,
    client: input.client,
  });
  await em.flush();
  return getProjet(em, user, projet.id);
}

/** PUT (every field) and PATCH (some): rules are checked on the stored values merged with the input. */
export async function updateProjet(
  em: EntityManager,
  user: AuthUser,
  id: number,
  input: PatchInput,
): Promise<ProjetOut> {
  // The answer is read inside the transaction, under the lock: a concurrent change cannot make a
  // committed write answer 404.
  return em.transactional(async (tem) => {
    const where = scopeByClient(new Where().add('p.id = ?', id), user);
    if (!(await lockRow(tem, 'projets', id))) throw notFound();
    const current = await sqlOne(
      tem,
      `select p.client_id, p.devis_associe_id, p.date_debut, p.date_fin ${FROM} ${where}`,
      where.params,
    );
    if (!current) throw notFound();
    const client: number = input.client ?? current.client_id;
    const devisAssocie: number | null =
      input.devisAssocie !== undefined ? input.devisAssocie : current.devis_associe_id;
    const dateDebut = input.dateDebut !== undefined ? input.dateDebut : day(current.date_debut);
    const dateFin = input.dateFin !== undefined ? input.dateFin : day(current.date_fin);
    if (!dateFinAfterDebut(dateDebut, dateFin)) throw fieldError('dateFin', 'err.date_fin_order');
    const clientChanged = client !== current.client_id;
    const devisChanged = devisAssocie !== current.devis_associe_id;
    const refs = await resolveRefs(tem, user, {
      client: clientChanged ? client : undefined,
      devisAssocie: devisChanged || clientChanged ? devisAssocie : undefined,
    });
    checkDevisClient(refs.devisAssocie, client);

    // The projet's taches follow it to its new client (a trigger updates them with the projet row).
    // Every tache position writer is held off first, in the board's lock order (projet, then
    // columns, then rows), so the update of the taches cannot deadlock with a move.
    if (clientChanged) await lockColumns(tem, TACHE_BOARD, [...TACHE_STATUTS]);
    const projet = await tem.findOneOrFail(Projet, id);
    const { budget, ...rest } = input;
    tem.assign(projet, rest, { ignoreUndefined: true });
    if (budget !== undefined) projet.budget = budget === null ? null : decimal(budget);
    projet.dateModification = new Date();
    await tem.flush();
    return getProjet(tem, user, id);
  });
}

/** DELETE (admin/manager): 409 while taches still hang off the projet. */
export async function deleteProjet(em: EntityManager, user: AuthUser, id: number): Promise<void> {
  const where = scopeByClient(new Where().add('p.id = ?', id), user);
  const row = await sqlOne(
    em,
    `select exists(select 1 from taches t where t.projet_id = p.id) as has_taches ${FROM} ${where}`,
    where.params,
  );
  if (!row) throw notFound();
  if (row.has_taches) throw conflict('error.projet_has_taches');
  await sql(em, 'delete from projets where id = ?', [id]);
}
