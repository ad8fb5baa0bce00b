import type { EntityManager } from '@crm/db';
import { Devis } from '@crm/db';
import type { DevisLigneIn, DevisOut } from '@crm/shared';
import { computeDevisTotals, DEFAULT_TVA, type devisCreateInput, type devisPatchInput } from '@crm/shared';
import type { z } from 'zod';
import type { AuthUser } from '../auth/sessions.js';
import { conflict, fieldError, notFound } from '../lib/errors.js';
import { lockRow, sql, sqlOne } from '../lib/sql/runner.js';
import { centsToDecimal, money, toCents } from '../lib/sql/values.js';
import { Where } from '../lib/sql/where.js';
import { DEVIS_FROM as FROM, getDevis } from './devis/queries.js';
import { resolveRefs } from './refs.js';
import { scopeByClient, seesAll } from './visibility.js';
import { devisStatutChanged, recordDevisCree } from './devisEvents.js';

type CreateInput = z.infer<typeof devisCreateInput>;
type PatchInput = Omit<z.infer<typeof devisPatchInput>, 'id'>;

/** An accepted or refused devis is read-only. */
const READ_ONLY = new Set(['accepte', 'refuse']);

/** `accepte`/`refuse` come from the client's answer on the public page, or from a manager/admin — never a commercial. */
function checkStatutAllowed(user: AuthUser, statut: string | undefined): void {
  if (statut && READ_ONLY.has(statut) && !seesAll(user)) throw fieldError('statut', 'err.devis_statut_reponse');
}

/**
 * Amounts in exact cents: with lines, montant = Σ quantite × prixUnitaire (HT) and the VAT is
 * per line at its rate; without lines, montant is the given one and VAT the default 20 %.
 */
export function devisAmounts(
  lignes: DevisLigneIn[] | null,
  montant: number | undefined,
): { montant: string; montantTva: string } {
  let montantCents: number;
  let tvaCents: number;
  if (lignes?.length) {
    ({ montantCents, tvaCents } = computeDevisTotals(lignes));
  } else {
    montantCents = toCents(montant ?? 0);
    tvaCents = Math.round((montantCents * DEFAULT_TVA) / 100);
  }
  if (montantCents <= 0) throw fieldError('montant', 'err.money_positive');
  return { montant: centsToDecimal(montantCents), montantTva: centsToDecimal(tvaCents) };
}

/**
 * Next version number of an opportunity's devis: 1, then one more than the highest. Computed
 * while the opportunity row is locked, so concurrent creates of one opportunity queue up instead
 * of colliding on the (opportunite, version) unique constraint.
 */
async function nextVersion(em: EntityManager, opportuniteId: number): Promise<number> {
  const locked = await sqlOne(em, 'select id from opportunites where id = ? for update', [opportuniteId]);
  if (!locked) throw fieldError('opportunite', 'err.not_found_ref');
  // A separate statement on purpose: its snapshot is taken after the lock is granted, so it sees
  // the devis committed by the transaction we waited for (a subquery of the locking statement would not).
  const row = await sqlOne<{ v: number }>(
    em,
    'select coalesce(max(version), 0) + 1 as v from devis where opportunite_id = ?',
    [opportuniteId],
  );
  return row!.v;
}

const normalizeLignes = (lignes: DevisLigneIn[] | null | undefined): DevisLigneIn[] | null =>
  lignes?.length ? lignes : null;

/** The recipient contact must be a contact of the devis' client (400 on `contact`). */
function checkContact(
  refs: { opportunite?: number; contact?: number },
  contact: number | null | undefined,
  client: number | undefined,
): void {
  if (contact != null && refs.contact !== (client ?? refs.opportunite))
    throw fieldError('contact', 'err.contact_client');
}

export async function createDevis(em: EntityManager, user: AuthUser, input: CreateInput): Promise<DevisOut> {
  checkStatutAllowed(user, input.statut);
  const refs = await resolveRefs(em, user, { opportunite: input.opportunite, contact: input.contact });
  checkContact(refs, input.contact, undefined);
  const lignes = normalizeLignes(input.lignes);
  const amounts = devisAmounts(lignes, input.montant);
  const id = await em.transactional(async (tem) => {
    const devis = tem.create(Devis, {
      opportunite: input.opportunite,
      ...amounts,
      statut: input.statut,
      version: await nextVersion(tem, input.opportunite),
      contenu: input.contenu,
      lignes,
      contact: input.contact ?? null,
    });
    await tem.flush();
    await recordDevisCree(tem, user, devis.id);
    if (input.statut !== 'brouillon') await devisStatutChanged(tem, devis.id, input.statut, user.id);
    return devis.id;
  });
  return getDevis(em, user, id);
}

/** PUT and PATCH; 409 on an accepte/refuse devis. Moving it to another opportunity gives it that one's next version. */
export async function updateDevis(em: EntityManager, user: AuthUser, id: number, input: PatchInput): Promise<DevisOut> {
  checkStatutAllowed(user, input.statut);
  // Answered from inside the transaction, under the lock (never a committed write answered 404).
  return em.transactional(async (tem) => {
    const where = scopeByClient(new Where().add('d.id = ?', id), user);
    if (!(await lockRow(tem, 'devis', id))) throw notFound();
    const cur = await sqlOne(
      tem,
      `select d.statut, d.opportunite_id, o.client_id, d.contact_id, d.lignes, d.montant ${FROM} ${where}`,
      where.params,
    );
    if (!cur) throw notFound();
    if (READ_ONLY.has(cur.statut)) throw conflict('error.devis_readonly');
    const opportuniteChanged = input.opportunite !== undefined && input.opportunite !== cur.opportunite_id;
    const contact: number | null = input.contact !== undefined ? input.contact : cur.contact_id;
    const contactChanged = contact !== cur.contact_id;
    if (opportuniteChanged || contactChanged) {
      const refs = await resolveRefs(tem, user, {
        opportunite: opportuniteChanged ? input.opportunite : undefined,
        contact,
      });
      checkContact(refs, contact, opportuniteChanged ? refs.opportunite : cur.client_id);
    }
    const lignes = input.lignes !== undefined ? normalizeLignes(input.lignes) : (cur.lignes as DevisLigneIn[] | null);
    const amounts = devisAmounts(lignes, input.montant ?? money(cur.montant));

    const devis = await tem.findOneOrFail(Devis, id);
    if (opportuniteChanged) {
      // It joins the other opportunity's lineage: its number (or a new one) and its next version.
      const version = await nextVersion(tem, input.opportunite!);
      const [n] = await sql<{ numero: string }>(tem, 'select devis_numero_pour(?, now()) as numero', [
        input.opportunite,
      ]);
      await sql(tem, 'update devis set opportunite_id = ?, version = ?, numero = ? where id = ?', [
        input.opportunite,
        version,
        n.numero,
        id,
      ]);
      await tem.refresh(devis);
    }
    if (input.statut !== undefined) devis.statut = input.statut;
    if (input.contenu !== undefined) devis.contenu = input.contenu;
    devis.contact = contact;
    devis.lignes = lignes;
    devis.montant = amounts.montant;
    devis.montantTva = amounts.montantTva;
    devis.dateModification = new Date();
    await tem.flush();
    if (input.statut !== undefined && input.statut !== cur.statut)
      await devisStatutChanged(tem, id, input.statut, user.id);
    return getDevis(tem, user, id);
  });
}

/** `POST /devis/{id}/nouvelle-version/`: a new brouillon copying montant, contenu and lignes, next version. */
export async function nouvelleVersion(em: EntityManager, user: AuthUser, id: number): Promise<DevisOut> {
  const newId = await em.transactional(async (tem) => {
    const where = scopeByClient(new Where().add('d.id = ?', id), user);
    const cur = await sqlOne(
      tem,
      `select d.opportunite_id, d.montant, d.montant_tva, d.contenu, d.lignes, d.contact_id ${FROM} ${where}`,
      where.params,
    );
    if (!cur) throw notFound();
    const copy = tem.create(Devis, {
      opportunite: cur.opportunite_id,
      montant: cur.montant,
      montantTva: cur.montant_tva,
      statut: 'brouillon',
      version: await nextVersion(tem, cur.opportunite_id),
      contenu: cur.contenu,
      lignes: cur.lignes,
      contact: cur.contact_id,
    });
    await tem.flush();
    await recordDevisCree(tem, user, copy.id);
    return copy.id;
  });
  return getDevis(em, user, newId);
}

/** DELETE (admin/manager); a projet that pointed at it keeps going without (FK on delete set null). */
export async function deleteDevis(em: EntityManager, user: AuthUser, id: number): Promise<void> {
  const where = scopeByClient(new Where().add('d.id = ?', id), user);
  const gone = await sql(em, `delete from devis where id = (select d.id ${FROM} ${where}) returning id`, where.params);
  if (!gone.length) throw notFound();
}
