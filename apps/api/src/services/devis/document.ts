import type { EntityManager } from '@crm/db';
import type { DevisLigneIn, DevisStatut } from '@crm/shared';
import type { AuthUser } from '../../auth/sessions.js';
import { notFound } from '../../lib/errors.js';
import { sqlOne } from '../../lib/sql/runner.js';
import { iso } from '../../lib/sql/values.js';
import { Where } from '../../lib/sql/where.js';
import { VALIDITE_JOURS } from '../devisLiens.js';
import { userName } from '../listing.js';
import { scopeByClient } from '../visibility.js';

/**
 * A devis as its documents show it (the PDF, the mail, the public page): read with its client in
 * one statement, through the caller's visibility (404 otherwise).
 */

/** Last day (YYYY-MM-DD) the devis may be accepted. */
export const dateValidite = (dateCreation: string): string =>
  new Date(Date.parse(dateCreation) + VALIDITE_JOURS * 86_400_000).toISOString().slice(0, 10);

export interface DevisDocument {
  id: number;
  numero: string;
  version: number;
  statut: DevisStatut;
  montantCents: number;
  tvaCents: number;
  contenu: string;
  lignes: DevisLigneIn[] | null;
  opportunite: number;
  opportuniteNom: string;
  client: { id: number; nom: string; societe: string; email: string | null; telephone: string };
  contact: { nom: string; email: string } | null;
  /** The client's contact the devis is addressed to (`Devis.contact`), if any. */
  destinataire: { nom: string; email: string | null } | null;
  dateEnvoi: string | null;
  dateReponse: string | null;
  signataire: string | null;
  motifRefus: string | null;
  dateCreation: string;
  dateModification: string;
}

const toCentsExact = (v: string | number) => Math.round(Number(v) * 100);

export const devisFilename = (doc: Pick<DevisDocument, 'numero' | 'version'>) =>
  `devis-${doc.numero}-v${doc.version}.pdf`;

const DOCUMENT_SELECT = `
  select d.id, d.numero, d.version, d.statut, d.date_reponse, d.signataire, d.motif_refus, d.montant, d.montant_tva, d.contenu, d.lignes, d.date_envoi, d.date_creation, d.date_modification,
         o.id as opportunite_id, o.nom as opportunite_nom,
         c.id as client_id, c.nom as client_nom, c.societe as client_societe, c.email as client_email, c.telephone as client_telephone,
         ${userName('u')} as contact_nom, u.email as contact_email,
         k.id as destinataire_id, btrim(k.prenom || ' ' || k.nom) as destinataire_nom, k.email as destinataire_email
    from devis d
    join opportunites o on o.id = d.opportunite_id
    join clients c on c.id = o.client_id
    left join users u on u.id = coalesce(o.responsable_id, c.responsable_id)
    left join contacts k on k.id = d.contact_id`;

function toDocument(r: Record<string, any>): DevisDocument {
  const dateCreation = iso(r.date_creation)!;
  return {
    id: r.id,
    numero: r.numero,
    version: r.version,
    statut: r.statut,
    montantCents: toCentsExact(r.montant),
    tvaCents: toCentsExact(r.montant_tva),
    contenu: r.contenu,
    lignes: r.lignes ?? null,
    opportunite: r.opportunite_id,
    opportuniteNom: r.opportunite_nom,
    client: {
      id: r.client_id,
      nom: r.client_nom,
      societe: r.client_societe,
      email: r.client_email,
      telephone: r.client_telephone,
    },
    contact: r.contact_nom ? { nom: r.contact_nom, email: r.contact_email ?? '' } : null,
    destinataire: r.destinataire_id ? { nom: r.destinataire_nom, email: r.destinataire_email } : null,
    dateEnvoi: iso(r.date_envoi),
    dateReponse: iso(r.date_reponse),
    signataire: r.signataire,
    motifRefus: r.motif_refus,
    dateCreation,
    dateModification: iso(r.date_modification)!,
  };
}

/**
 * Who `envoyer` mails: the devis' contact when it has an address, else the client's address
 * (null: nobody to send to).
 */
export function devisRecipient(
  doc: Pick<DevisDocument, 'destinataire' | 'client'>,
): { nom: string; email: string } | null {
  if (doc.destinataire?.email) return { nom: doc.destinataire.nom, email: doc.destinataire.email };
  return doc.client.email ? { nom: doc.client.nom, email: doc.client.email } : null;
}

/** The devis with its client, if the user may see it (else 404). `forUpdate` locks the devis row. */
export async function loadDevisDocument(
  em: EntityManager,
  user: AuthUser,
  id: number,
  forUpdate = false,
): Promise<DevisDocument> {
  const where = scopeByClient(new Where().add('d.id = ?', id), user);
  return loadDocument(em, where, forUpdate);
}

/** The same without a user: for the public page, whose token already names the devis. */
export function loadDevisDocumentById(em: EntityManager, id: number, forUpdate = false): Promise<DevisDocument> {
  return loadDocument(em, new Where().add('d.id = ?', id), forUpdate);
}

async function loadDocument(em: EntityManager, where: Where, forUpdate: boolean): Promise<DevisDocument> {
  const row = await sqlOne(em, `${DOCUMENT_SELECT} ${where}${forUpdate ? ' for update of d' : ''}`, where.params);
  if (!row) throw notFound();
  return toDocument(row);
}
