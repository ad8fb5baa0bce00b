import type { EntityManager } from '@crm/db';
import { Client } from '@crm/db';
import type { ClientDetailOut, clientCreateInput, clientPatchInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { conflict, fieldError, forbidden, notFound } from '../lib/errors.js';
import { resolveRefs } from './refs.js';
import { intArrayLiteral } from '../lib/pgArrays.js';
import { lockRow, sql } from '../lib/sql/runner.js';
import { assertClientVisible, getClient } from './clients/queries.js';
import { seesAll } from './visibility.js';
import { recordEvent, resumes, userNames } from './evenements.js';
import { notify } from './notifications.js';

type CreateInput = z.infer<typeof clientCreateInput>;
type PatchInput = Omit<z.infer<typeof clientPatchInput>, 'id'>;

/**
 * A commercial may only own their clients; admins and managers may assign anyone. A commercial
 * clearing `responsable` would lose sight of the client the moment it is saved (a committed write
 * answered by a 404): refused up front as a validation error of that field. Existence comes before
 * permission: a user id that names nobody is a 400 on `responsable` for everyone, as for an admin.
 */
async function checkResponsable(
  em: EntityManager,
  user: AuthUser,
  responsable: number | null | undefined,
): Promise<void> {
  if (seesAll(user) || responsable === undefined || responsable === user.id) return;
  if (responsable === null) throw fieldError('responsable', 'err.responsable_keep');
  await resolveRefs(em, user, { users: { responsable } });
  throw forbidden();
}

export async function createClient(em: EntityManager, user: AuthUser, input: CreateInput): Promise<ClientDetailOut> {
  await checkResponsable(em, user, input.responsable);
  const responsable = input.responsable === undefined ? user.id : input.responsable;
  const id = await em.transactional(async (tem) => {
    const client = tem.create(Client, { ...input, responsable });
    await tem.flush();
    await recordEvent(tem, {
      type: 'client_cree',
      client: client.id,
      auteur: user.id,
      resume: resumes.clientCree(client.nom),
    });
    await notifyClientAttribue(tem, user, client.id, client.nom, responsable);
    return client.id;
  });
  return getClient(em, user, id);
}

/** "A client is handed to you": to its new responsable, unless they did it themselves. */
function notifyClientAttribue(
  em: EntityManager,
  user: AuthUser,
  id: number,
  nom: string,
  responsable: number | null,
): Promise<void> {
  return notify(em, {
    user: responsable,
    actor: user.id,
    type: 'client_attribue',
    message: `Le client « ${nom} » vous a été attribué`,
    lien: `/clients/${id}`,
  });
}

/**
 * The row is locked before the visibility check and the answer read before commit: a concurrent
 * reassignment of the client waits, so the caller's edit is either applied and answered, or
 * refused (404) with nothing written — never written, then answered 404.
 */
export async function updateClient(
  em: EntityManager,
  user: AuthUser,
  id: number,
  input: PatchInput,
): Promise<ClientDetailOut> {
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
  const arr = intArrayLiteral(ids);
  await sql(
    tem,
    `delete from taches where client_id = any(?::int[]) or projet_id in (select id from projets where client_id = any(?::int[]))`,
    [arr, arr],
  );
  await sql(tem, `update projets set devis_associe_id = null where client_id = any(?::int[])`, [arr]);
  await sql(tem, `delete from projets where client_id = any(?::int[])`, [arr]);
  await sql(
    tem,
    `update projets set devis_associe_id = null where devis_associe_id in
    (select d.id from devis d join opportunites o on o.id = d.opportunite_id where o.client_id = any(?::int[]))`,
    [arr],
  );
  await sql(
    tem,
    `delete from devis where opportunite_id in (select id from opportunites where client_id = any(?::int[]))`,
    [arr],
  );
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
