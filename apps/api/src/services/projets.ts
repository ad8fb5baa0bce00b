import type { EntityManager } from '@crm/db';
import { Projet } from '@crm/db';
import type { ProjetOut } from '@crm/shared';
import { dateFinAfterDebut, type projetCreateInput, type projetPatchInput, TACHE_STATUTS } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { conflict, fieldError, notFound } from '../lib/errors.js';
import { lockRow, sql, sqlOne } from '../lib/sql/runner.js';
import { day, decimal } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { lockColumns, TACHE_BOARD } from './kanban.js';
import { getProjet, PROJET_FROM as FROM } from './projets/queries.js';
import { resolveRefs } from './refs.js';
import { scopeByClient } from './visibility.js';

type CreateInput = z.infer<typeof projetCreateInput>;
type PatchInput = Omit<z.infer<typeof projetPatchInput>, 'id'>;

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
