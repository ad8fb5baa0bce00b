import type { EntityManager } from '@crm/db';
import { z } from 'zod';
import { optionalText, requiredText, type DevisLigneIn, type DevisStatut } from '@crm/shared';
import { notFound } from '../lib/errors.js';
import { sql } from '../lib/sql/runner.js';
import { iso } from '../lib/sql/values.js';
import { audit } from './audit.js';
import { devisStatutChanged } from './devisEvents.js';
import { emitDevisEvent } from './webhooks.js';
import type { CompanyInfo } from '../config.js';
import { dateValidite, devisFilename, loadDevisDocumentById, type DevisDocument } from './devis/document.js';
import { renderDevisPdf } from './devis/pdf.js';
import { resolvePublicLink } from './devisLiens.js';

/**
 * What the client does from the link in the e-mail, without an account: view the devis (the first
 * view of an `envoye` devis makes it `consulte`), download its PDF, accept it (name + « Bon pour
 * accord ») or refuse it (optional reason). Every unknown, expired or void token is a 404.
 */

export const accepterInput = z.object({
  nom: requiredText(200),
  bonPourAccord: z.literal(true, { error: 'err.bon_pour_accord' }),
});
export const refuserInput = z.object({ motif: optionalText(2000).optional() });

export interface PublicDevis {
  numero: string;
  version: number;
  statut: DevisStatut;
  objet: string;
  client: { nom: string; societe: string };
  entreprise: { nom: string; adresse: string[]; contact: string };
  lignes: DevisLigneIn[] | null;
  contenu: string;
  montant: number;
  montantTva: number;
  montantTtc: number;
  dateCreation: string;
  dateValidite: string;
  dateReponse: string | null;
  signataire: string | null;
  pdf: string;
}

function toPublic(doc: DevisDocument, token: string, company: CompanyInfo): PublicDevis {
  return {
    numero: doc.numero,
    version: doc.version,
    statut: doc.statut,
    objet: doc.opportuniteNom,
    client: { nom: doc.client.nom, societe: doc.client.societe },
    entreprise: { nom: company.nom, adresse: company.adresse, contact: company.contact },
    lignes: doc.lignes,
    contenu: doc.contenu,
    montant: doc.montantCents / 100,
    montantTva: doc.tvaCents / 100,
    montantTtc: (doc.montantCents + doc.tvaCents) / 100,
    dateCreation: doc.dateCreation,
    dateValidite: dateValidite(doc.dateCreation),
    dateReponse: doc.dateReponse,
    signataire: doc.signataire,
    pdf: `/api/public/devis/${token}/pdf/`,
  };
}

async function devisOf(em: EntityManager, token: string, forUpdate = false): Promise<number> {
  const id = await resolvePublicLink(em, token, forUpdate);
  if (id === null) throw notFound();
  return id;
}

/** GET: the devis; the first view of an `envoye` devis records `consulte` and `dateConsultation`. */
export async function viewPublicDevis(
  em: EntityManager,
  company: CompanyInfo,
  token: string,
  ip: string,
): Promise<PublicDevis> {
  return em.transactional(async (tem) => {
    const id = await devisOf(tem, token);
    const seen = await sql(
      tem,
      `update devis set statut = 'consulte', date_consultation = now() where id = ? and statut = 'envoye' returning id`,
      [id],
    );
    if (seen.length) {
      await audit(tem, { action: 'devis.consulte', entity: 'devis', entityId: id, ip });
      // On the timeline, the responsable told in the app, integrations told by webhook: all in this transaction.
      await devisStatutChanged(tem, id, 'consulte', null);
      await emitDevisEvent(tem, 'devis.consulte', id);
    }
    return toPublic(await loadDevisDocumentById(tem, id), token, company);
  });
}

export async function publicDevisPdf(
  em: EntityManager,
  company: CompanyInfo,
  token: string,
): Promise<{ pdf: Buffer; filename: string }> {
  const doc = await loadDevisDocumentById(em, await devisOf(em, token));
  return { pdf: await renderDevisPdf(doc, company), filename: devisFilename(doc) };
}

/**
 * Accept or refuse: the devis row is locked while the token is checked, so two answers cannot both
 * win; the second finds the devis final and gets a 404 like any void link.
 */
export async function answerPublicDevis(
  em: EntityManager,
  company: CompanyInfo,
  token: string,
  answer: { statut: 'accepte'; nom: string } | { statut: 'refuse'; motif?: string },
  ip: string,
): Promise<PublicDevis> {
  return em.transactional(async (tem) => {
    const id = await devisOf(tem, token, true);
    const [row] = await sql(
      tem,
      `update devis set statut = ?, date_reponse = now(), signataire = ?, ip_reponse = ?, motif_refus = ?,
              date_consultation = coalesce(date_consultation, now()), date_modification = now()
        where id = ? returning date_reponse`,
      [
        answer.statut,
        answer.statut === 'accepte' ? answer.nom : null,
        ip.slice(0, 64),
        answer.statut === 'refuse' ? (answer.motif ?? null) : null,
        id,
      ],
    );
    const doc = await loadDevisDocumentById(tem, id);
    // The responsable (of the opportunity, else of the client) is told in the app and sees it on the
    // devis, its timeline and the audit trail; integrations get the webhook event.
    await devisStatutChanged(tem, id, answer.statut, null);
    await emitDevisEvent(tem, answer.statut === 'accepte' ? 'devis.accepte' : 'devis.refuse', id);
    await audit(tem, {
      userId: null,
      action: answer.statut === 'accepte' ? 'devis.accepte' : 'devis.refuse',
      entity: 'devis',
      entityId: id,
      details: {
        signataire: answer.statut === 'accepte' ? answer.nom : null,
        motif: answer.statut === 'refuse' ? (answer.motif ?? null) : null,
        dateReponse: iso(row.date_reponse),
      },
      ip,
    });
    return toPublic(doc, token, company);
  });
}
