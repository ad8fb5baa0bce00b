import type { EntityManager } from '@crm/db';
import type { DevisStatut } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import { sqlOne } from '../lib/sql/runner.js';
import { money } from '../lib/sql/values.js';
import { recordEvent, resumes } from './evenements.js';
import { notify } from './notifications.js';

/**
 * Timeline events and notifications of a devis' life, called inside the transaction that makes
 * the change (creation, envoi, and every status change: by a manager through the API or by the
 * client on the public page, where there is no user: `actor` null).
 */
async function devisInfo(em: EntityManager, devisId: number) {
  return (await sqlOne(
    em,
    `select d.version, d.montant, o.id as opportunite_id, o.nom as opportunite_nom, o.client_id,
            coalesce(o.responsable_id, c.responsable_id) as responsable_id
       from devis d join opportunites o on o.id = d.opportunite_id join clients c on c.id = o.client_id where d.id = ?`,
    [devisId],
  ))!;
}

export async function recordDevisCree(em: EntityManager, user: AuthUser, devisId: number): Promise<void> {
  const d = await devisInfo(em, devisId);
  await recordEvent(em, {
    type: 'devis_cree',
    client: d.client_id,
    opportunite: d.opportunite_id,
    auteur: user.id,
    resume: resumes.devisCree(d.version, d.opportunite_nom, money(d.montant)),
    donnees: { devis: devisId, version: d.version },
  });
}

export async function recordDevisEnvoye(
  em: EntityManager,
  actor: number | null,
  devisId: number,
  destinataire: string,
): Promise<void> {
  const d = await devisInfo(em, devisId);
  await recordEvent(em, {
    type: 'devis_envoye',
    client: d.client_id,
    opportunite: d.opportunite_id,
    auteur: actor,
    resume: resumes.devisEnvoye(d.version, destinataire),
    donnees: { devis: devisId, version: d.version, destinataire },
  });
}

const NOTIFIED = { consulte: 'devis_consulte', accepte: 'devis_accepte', refuse: 'devis_refuse' } as const;

/**
 * A devis reached `statut`. Viewed, accepted and refused are recorded on the timeline and told to
 * the devis' owner (the opportunity's responsable, else the client's), unless they did it.
 */
export async function devisStatutChanged(
  em: EntityManager,
  devisId: number,
  statut: DevisStatut,
  actor: number | null,
): Promise<void> {
  if (statut === 'envoye') {
    // Marked as sent by hand (sent outside the CRM): on the timeline, nobody to tell.
    const d = await devisInfo(em, devisId);
    await recordEvent(em, {
      type: 'devis_envoye',
      client: d.client_id,
      opportunite: d.opportunite_id,
      auteur: actor,
      resume: resumes.devisMarqueEnvoye(d.version),
      donnees: { devis: devisId, version: d.version },
    });
    return;
  }
  if (statut !== 'consulte' && statut !== 'accepte' && statut !== 'refuse') return;
  const d = await devisInfo(em, devisId);
  const resume = resumes.devisStatut(d.version, statut);
  await recordEvent(em, {
    type: NOTIFIED[statut],
    client: d.client_id,
    opportunite: d.opportunite_id,
    auteur: actor,
    resume,
    donnees: { devis: devisId, version: d.version },
  });
  await notify(em, {
    user: d.responsable_id,
    actor,
    type: NOTIFIED[statut],
    message: `${resume} — « ${d.opportunite_nom} »`,
    lien: `/devis/${devisId}`,
  });
}
