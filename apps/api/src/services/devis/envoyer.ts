import type { EntityManager } from '@crm/db';
import type { DevisOut } from '@crm/shared';
import type { AuthUser } from '../../auth/sessions.js';
import type { AppConfig } from '../../config.js';
import { ApiError, conflict } from '../../lib/errors.js';
import { sql } from '../../lib/sql/runner.js';
import { iso } from '../../lib/sql/values.js';
import { audit } from '../audit.js';
import { queueCourriel } from '../courriels/outbox.js';
import { getDevis } from './queries.js';
import { recordDevisEnvoye } from '../devisEvents.js';
import { createPublicLink } from '../devisLiens.js';
import { devisFilename, devisRecipient, loadDevisDocument, type DevisDocument } from './document.js';
import { mailBody, mailDomain } from './mail.js';
import { renderDevisPdf } from './pdf.js';

/**
 * Sends the devis to the client: marks it `envoye` with `dateEnvoi`, creates its public link,
 * renders the PDF and writes the mail into the outbox with its delivery job — one transaction,
 * no network: the answer comes at once, the mail goes out in the background (with retries), and
 * `courriel` on the devis tells how it went. The devis row is locked meanwhile (no double send race).
 */
export async function envoyerDevis(
  em: EntityManager,
  user: AuthUser,
  id: number,
  config: AppConfig,
  meta: { ip?: string } = {},
): Promise<DevisOut> {
  const company = config.company.nom;
  return em.transactional(async (tem) => {
    const current = await loadDevisDocument(tem, user, id, true);
    if (current.statut === 'accepte' || current.statut === 'refuse') throw conflict('error.devis_envoi_statut');
    const to = devisRecipient(current);
    if (!to) throw new ApiError('BAD_REQUEST', 'err.client_email_missing', { client: ['err.client_email_missing'] });
    const recipient = to.email;

    const [updated] = await sql(
      tem,
      `update devis set statut = 'envoye', date_envoi = now(), date_modification = now() where id = ? returning date_envoi, date_modification`,
      [id],
    );
    const doc: DevisDocument = {
      ...current,
      statut: 'envoye',
      dateEnvoi: iso(updated.date_envoi),
      dateModification: iso(updated.date_modification)!,
    };
    const token = await createPublicLink(tem, id);
    await recordDevisEnvoye(tem, user.id, id, recipient);
    const pdf = await renderDevisPdf(doc, config.company);
    await queueCourriel(
      tem,
      {
        to: recipient,
        replyTo: doc.contact?.email || undefined,
        subject: `Devis ${doc.numero} (version ${doc.version}) — ${company}`,
        ...mailBody(doc, company, to.nom, `${config.publicUrl}/api/public/devis/${token}/`),
        attachments: [{ filename: devisFilename(doc), content: pdf, contentType: 'application/pdf' }],
        devisId: id,
        expediteurId: user.id,
      },
      mailDomain(config.smtp.from),
    );
    await audit(tem, {
      userId: user.id,
      action: 'devis.envoye',
      entity: 'devis',
      entityId: id,
      details: { to: recipient, version: doc.version, montantTtc: (doc.montantCents + doc.tvaCents) / 100 },
      ip: meta.ip,
    });
    // The answer is the devis detail, exactly as GET /api/devis/{id}/ gives it (with `courriel` en_attente).
    return getDevis(tem, user, id);
  });
}
