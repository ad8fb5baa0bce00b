import type { EntityManager } from '@crm/db';
import { Client } from '@crm/db';
import type { ClientDetailOut, ClientOut, Page } from '@crm/shared';
import { clientCreateInput, clientListInput, clientPatchInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { conflict, fieldError, forbidden, notFound } from '../lib/errors.js';
import { resolveRefs } from './refs.js';
import { lockRow, sql, sqlOne } from '../lib/sql/runner.js';
import { ISO_UTC, money } from '../lib/sql/values.js';
import { orderBy, Where } from '../lib/sql/where.js';
import { idArray } from './kanban.js';
import { addSearch, runList, userName, type Resource } from './listing.js';
import { VALEUR_PONDEREE_SQL } from './valeurPonderee.js';
import { scopeByClient, seesAll } from './visibility.js';
import { recordEvent, resumes, userNames } from './evenements.js';
import { notify } from './notifications.js';

type ListInput = z.infer<typeof clientListInput>;
type CreateInput = z.infer<typeof clientCreateInput>;
type PatchInput = Omit<z.infer<typeof clientPatchInput>, 'id'>;

const ORDER_COLUMNS = { nom: 'c.nom', societe: 'c.societe', dateCreation: 'c.date_creation', dateModification: 'c.date_modification' };

const COLUMNS = `c.id, c.nom, c.societe, c.email, c.telephone, c.notes, c.categorie, c.responsable_id,
         ${userName('u')} as responsable_nom,
         ${ISO_UTC('c.date_creation')} as date_creation, ${ISO_UTC('c.date_modification')} as date_modification`;
const FROM = 'from clients c left join users u on u.id = c.responsable_id';
const SELECT = `select ${COLUMNS} ${FROM}`;
const DEFAULT_ORDER = 'c.date_creation desc, c.id desc';

type Row = Record<string, any>;

function toOut(r: Row): ClientOut {
  return {
    id: r.id,
    nom: r.nom,
    societe: r.societe,
    email: r.email,
    telephone: r.telephone,
    notes: r.notes,
    categorie: r.categorie,
    responsable: r.responsable_id,
    responsableNom: r.responsable_nom ?? null,
    dateCreation: r.date_creation,
    dateModification: r.date_modification,
  };
}

/** Adds the accent/case-insensitive search on nom, societe, email (matches the trigram index). */
export function clientSearch(where: Where, search: string | undefined, alias = 'c'): Where {
  return addSearch(where, search, `${alias}.recherche`);
}

/** The list's filters, search and visibility (its pages and its export). */
export function clientFilters(user: AuthUser, input: Omit<ListInput, 'page' | 'pageSize'>): Where {
  const where = scopeByClient(new Where(), user);
  clientSearch(where, input.search);
  if (input.categorie !== undefined) where.add('c.categorie = ?', input.categorie);
  if (input.responsable !== undefined) where.add('c.responsable_id = ?', input.responsable);
  return where;
}

/** How clients are read (the list's export streams every page of it). */
export const CLIENT_RESOURCE: Resource<ClientOut> = {
  from: FROM,
  countFrom: 'from clients c',
  alias: 'c',
  table: 'clients',
  columns: COLUMNS,
  orderColumns: ORDER_COLUMNS,
  defaultOrder: DEFAULT_ORDER,
  map: toOut,
};

export async function listClients(em: EntityManager, user: AuthUser, input: ListInput): Promise<Page<ClientOut>> {
  // Two statements whatever the page size: the count (a big one from the count cache, see
  // CountCache) and the page, users joined (no N+1).
  return runList(em, {
    ...CLIENT_RESOURCE,
    where: clientFilters(user, input),
    order: orderBy(input.ordering, ORDER_COLUMNS, DEFAULT_ORDER),
    page: input.page,
    pageSize: input.pageSize,
  });
}

/** Throws 404 unless the client exists and the user may see it. */
export async function assertClientVisible(em: EntityManager, user: AuthUser, id: number): Promise<void> {
  const where = scopeByClient(new Where().add('c.id = ?', id), user);
  const row = await sqlOne(em, `select 1 from clients c ${where}`, where.params);
  if (!row) throw notFound();
}

export async function getClient(em: EntityManager, user: AuthUser, id: number): Promise<ClientDetailOut> {
  const where = scopeByClient(new Where().add('c.id = ?', id), user);
  const row = await sqlOne(
    em,
    `select x.*,
       (select coalesce(sum(o.montant), 0) from opportunites o where o.client_id = x.id and o.resultat = 'gagnee') as valeur_client,
       (select coalesce(sum(${VALEUR_PONDEREE_SQL('o')}), 0) from opportunites o where o.client_id = x.id and o.etape <> 'conclusion') as pipeline_pondere,
       (select count(*)::int from projets p where p.client_id = x.id and p.statut <> 'termine') as nb_projets_actifs,
       (select count(*)::int from opportunites o where o.client_id = x.id and o.etape <> 'conclusion') as nb_opportunites_actives
     from (${SELECT} ${where}) x`,
    where.params,
  );
  if (!row) throw notFound();
  return {
    ...toOut(row),
    valeurClient: money(row.valeur_client),
    pipelinePondere: money(row.pipeline_pondere),
    nbProjetsActifs: row.nb_projets_actifs,
    nbOpportunitesActives: row.nb_opportunites_actives,
  };
}

/**
 * A commercial may only own their clients; admins and managers may assign anyone. A commercial
 * clearing `responsable` would lose sight of the client the moment it is saved (a committed write
 * answered by a 404): refused up front as a validation error of that field. Existence comes before
 * permission: a user id that names nobody is a 400 on `responsable` for everyone, as for an admin.
 */
async function checkResponsable(em: EntityManager, user: AuthUser, responsable: number | null | undefined): Promise<void> {
  if (seesAll(user) || responsable === undefined || responsable === user.id) return;
  if (responsable === null) throw fieldError('responsable', 'err.responsable_keep');
  await resolveRefs(em, user, { users: { responsable } });
  throw forbidden();
}

export async function createClient(em: EntityManager, user: AuthUser, input: CreateInput): Promise<ClientDetailOut> {
  await checkResponsable(em, user, input.responsable);
  const responsable = input.responsable === undefined ? user.id : input.responsable;
  const id = await em.transactional(async (tem) => {
    const client = tem.create(Client, {
      nom: input.nom,
      societe: input.societe,
      email: input.email,
      telephone: input.telephone,
      notes: input.notes,
      categorie: input.categorie,
      responsable,
    });
    await tem.flush();
    await recordEvent(tem, { type: 'client_cree', client: client.id, auteur: user.id, resume: resumes.clientCree(client.nom) });
    await notifyClientAttribue(tem, user, client.id, client.nom, responsable);
    return client.id;
  });
  return getClient(em, user, id);
}

/** "A client is handed to you": to its new responsable, unless they did it themselves. */
function notifyClientAttribue(em: EntityManager, user: AuthUser, id: number, nom: string, responsable: number | null): Promise<void> {
  return notify(em, { user: responsable, actor: user.id, type: 'client_attribue', message: `Le client « ${nom} » vous a été attribué`, lien: `/clients/${id}` });
}

/**
 * The row is locked before the visibility check and the answer read before commit: a concurrent
 * reassignment of the client waits, so the caller's edit is either applied and answered, or
 * refused (404) with nothing written — never written, then answered 404.
 */
export async function updateClient(em: EntityManager, user: AuthUser, id: number, input: PatchInput): Promise<ClientDetailOut> {
  await checkResponsable(em, user, input.responsable);
  return em.transactional(async (tem) => {
    if (!(await lockRow(tem, 'clients', id))) throw notFound();
    await assertClientVisible(tem, user, id);
    const client = await tem.findOneOrFail(Client, id);
    const { responsable, ...rest } = input;
    const before = client.responsable ?? null;
    tem.assign(client, rest, { ignoreUndefined: true });
    if (responsable !== undefined) client.responsable = responsable;
    client.dateModification = new Date();
    await tem.flush();
    if (responsable !== undefined && responsable !== before) {
      const names = await userNames(tem, [before, responsable]);
      await recordEvent(tem, {
        type: 'client_responsable',
        client: id,
        auteur: user.id,
        resume: resumes.responsable(names, before, responsable),
        donnees: { de: before, vers: responsable },
      });
      await notifyClientAttribue(tem, user, id, client.nom, responsable);
    }
    return getClient(tem, user, id);
  });
}

/**
 * Deletes clients with everything hanging off them (cascade), inside the caller's transaction:
 * taches, projets, devis, opportunites, then the clients. Set-based (single and bulk deletes).
 */
export async function purgeClients(tem: EntityManager, ids: number[]): Promise<void> {
  const arr = idArray(ids);
  await sql(tem, `delete from taches where client_id = any(?::int[]) or projet_id in (select id from projets where client_id = any(?::int[]))`, [arr, arr]);
  await sql(tem, `update projets set devis_associe_id = null where client_id = any(?::int[])`, [arr]);
  await sql(tem, `delete from projets where client_id = any(?::int[])`, [arr]);
  await sql(tem, `update projets set devis_associe_id = null where devis_associe_id in
    (select d.id from devis d join opportunites o on o.id = d.opportunite_id where o.client_id = any(?::int[]))`, [arr]);
  await sql(tem, `delete from devis where opportunite_id in (select id from opportunites where client_id = any(?::int[]))`, [arr]);
  await sql(tem, `delete from opportunites where client_id = any(?::int[])`, [arr]);
  await sql(tem, `delete from clients where id = any(?::int[])`, [arr]);
}

/**
 * Deletes a client. With children (projets, opportunites, taches) → 409, unless `cascade`
 * (admin only) removes them all in one transaction.
 */
export async function deleteClient(em: EntityManager, user: AuthUser, id: number, cascade: boolean): Promise<void> {
  await assertClientVisible(em, user, id);
  if (cascade && user.role !== 'admin') throw forbidden();
  await em.transactional(async (tem) => {
    const [c] = await sql<{ n: number }>(
      tem,
      `select (select count(*) from projets where client_id = ?) + (select count(*) from opportunites where client_id = ?)
            + (select count(*) from taches where client_id = ?) as n`,
      [id, id, id],
    );
    if (Number(c.n) === 0) await sql(tem, 'delete from clients where id = ?', [id]);
    else if (!cascade) throw conflict('error.client_has_children');
    else await purgeClients(tem, [id]);
  });
}
