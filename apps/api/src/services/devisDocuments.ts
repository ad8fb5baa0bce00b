import type { EntityManager } from '@crm/db';
import { DEFAULT_TVA, LABELS, type DevisLigneIn, type DevisOut, type DevisStatut } from '@crm/shared';
import type { AuthUser } from '../auth/sessions.js';
import type { AppConfig } from '../config.js';
import { ApiError, conflict, notFound } from '../lib/errors.js';
import { iso, sql, sqlOne, Where } from '../lib/db.js';
import { MailSendError, sendMail } from '../lib/mail.js';
import {
  COLORS, createPdf, drawTable, ensureSpace, finishPdf, FONT, FONT_BOLD, formatDate, formatLongDate, formatMoney, formatQuantity, formatRate,
} from '../lib/pdf.js';
import { audit } from './audit.js';
import { getDevis } from './devis.js';
import { recordDevisEnvoye } from './devisEvents.js';
import { scopeByClient } from './visibility.js';

/**
 * Devis documents: the PDF (GET /api/devis/{id}/pdf/) and sending it to the client by e-mail
 * (POST /api/devis/{id}/envoyer/). Both read the devis with its client in one statement, through
 * the caller's visibility (404 otherwise).
 */

/** The issuing company, shown on every devis (environment: COMPANY_NAME, COMPANY_ADDRESS with `|` between lines, COMPANY_CONTACT, COMPANY_LEGAL). */
export function companyInfo(env: NodeJS.ProcessEnv = process.env) {
  return {
    nom: env.COMPANY_NAME ?? 'CRM',
    adresse: (env.COMPANY_ADDRESS ?? '').split('|').map((l) => l.trim()).filter(Boolean),
    contact: env.COMPANY_CONTACT ?? '',
    mentions: env.COMPANY_LEGAL ?? '',
  };
}

/** How long a devis stays valid, shown on the document. */
const VALIDITE_JOURS = 30;

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
  dateCreation: string;
  dateModification: string;
}

const toCentsExact = (v: string | number) => Math.round(Number(v) * 100);

/** "D2026-00012": year of creation and id, stable for the devis (the version is printed beside it). */
export const devisNumero = (id: number, dateCreation: string) => `D${dateCreation.slice(0, 4)}-${String(id).padStart(5, '0')}`;
export const devisFilename = (doc: Pick<DevisDocument, 'numero' | 'version'>) => `devis-${doc.numero}-v${doc.version}.pdf`;

const DOCUMENT_SELECT = `
  select d.id, d.version, d.statut, d.montant, d.montant_tva, d.contenu, d.lignes, d.date_envoi, d.date_creation, d.date_modification,
         o.id as opportunite_id, o.nom as opportunite_nom,
         c.id as client_id, c.nom as client_nom, c.societe as client_societe, c.email as client_email, c.telephone as client_telephone,
         coalesce(nullif(btrim(u.first_name || ' ' || u.last_name), ''), u.username) as contact_nom, u.email as contact_email,
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
    numero: devisNumero(r.id, dateCreation),
    version: r.version,
    statut: r.statut,
    montantCents: toCentsExact(r.montant),
    tvaCents: toCentsExact(r.montant_tva),
    contenu: r.contenu,
    lignes: r.lignes ?? null,
    opportunite: r.opportunite_id,
    opportuniteNom: r.opportunite_nom,
    client: { id: r.client_id, nom: r.client_nom, societe: r.client_societe, email: r.client_email, telephone: r.client_telephone },
    contact: r.contact_nom ? { nom: r.contact_nom, email: r.contact_email ?? '' } : null,
    destinataire: r.destinataire_id ? { nom: r.destinataire_nom, email: r.destinataire_email } : null,
    dateEnvoi: iso(r.date_envoi),
    dateCreation,
    dateModification: iso(r.date_modification)!,
  };
}

/**
 * Who `envoyer` mails: the devis' contact when it has an address, else the client's address
 * (null: nobody to send to).
 */
export function devisRecipient(doc: Pick<DevisDocument, 'destinataire' | 'client'>): { nom: string; email: string } | null {
  if (doc.destinataire?.email) return { nom: doc.destinataire.nom, email: doc.destinataire.email };
  return doc.client.email ? { nom: doc.client.nom, email: doc.client.email } : null;
}

/** The devis with its client, if the user may see it (else 404). `forUpdate` locks the devis row. */
export async function loadDevisDocument(em: EntityManager, user: AuthUser, id: number, forUpdate = false): Promise<DevisDocument> {
  const where = scopeByClient(new Where().add('d.id = ?', id), user);
  const row = await sqlOne(em, `${DOCUMENT_SELECT} ${where}${forUpdate ? ' for update of d' : ''}`, where.params);
  if (!row) throw notFound();
  return toDocument(row);
}

/** Lines as printed: the devis lines, or a single line for a devis without detail. */
function printedLines(doc: DevisDocument): { designation: string; quantite: number; puCents: number; tauxTva: number; totalCents: number }[] {
  if (doc.lignes?.length) {
    return doc.lignes.map((l) => {
      const puCents = Math.round(l.prixUnitaire * 100);
      return { designation: l.designation, quantite: l.quantite, puCents, tauxTva: l.tauxTva, totalCents: Math.round(l.quantite * puCents) };
    });
  }
  const taux = doc.montantCents > 0 ? Math.round((doc.tvaCents / doc.montantCents) * 10_000) / 100 : DEFAULT_TVA;
  return [{ designation: doc.opportuniteNom, quantite: 1, puCents: doc.montantCents, tauxTva: taux, totalCents: doc.montantCents }];
}

/** The devis as an A4 PDF, in French. */
export async function renderDevisPdf(doc: DevisDocument, now = new Date()): Promise<Buffer> {
  const company = companyInfo();
  const pdf = createPdf({ title: `Devis ${doc.numero} (version ${doc.version})` });
  const left = pdf.page.margins.left;
  const width = pdf.page.width - left - pdf.page.margins.right;
  const top = pdf.page.margins.top;

  // Header: company on the left, document identity on the right.
  pdf.rect(0, 0, pdf.page.width, 8).fill(COLORS.primary);
  pdf.font(FONT_BOLD).fontSize(18).fillColor(COLORS.primary).text(company.nom, left, top, { width: width * 0.55 });
  pdf.font(FONT).fontSize(9).fillColor(COLORS.muted);
  for (const line of [...company.adresse, company.contact].filter(Boolean)) pdf.text(line, { width: width * 0.55 });
  const companyBottom = pdf.y;

  const rightX = left + width * 0.55;
  const rightW = width * 0.45;
  pdf.font(FONT_BOLD).fontSize(24).fillColor(COLORS.accent).text('DEVIS', rightX, top, { width: rightW, align: 'right' });
  pdf.font(FONT).fontSize(9.5).fillColor(COLORS.text);
  const validite = new Date(Date.parse(doc.dateCreation) + VALIDITE_JOURS * 86_400_000);
  const identity: [string, string][] = [
    ['N°', doc.numero],
    ['Version', String(doc.version)],
    ['Date', formatDate(doc.dateCreation)],
    ['Valable jusqu’au', formatDate(validite)],
    ['Statut', LABELS.devisStatut[doc.statut]],
  ];
  if (doc.dateEnvoi) identity.push(['Envoyé le', formatDate(doc.dateEnvoi)]);
  const valueW = 80;
  for (const [k, v] of identity) {
    const y = pdf.y;
    pdf.font(FONT).fillColor(COLORS.muted).text(`${k} :`, rightX, y, { width: rightW - valueW - 6, align: 'right' });
    pdf.font(FONT_BOLD).fillColor(COLORS.text).text(v, rightX + rightW - valueW, y, { width: valueW, align: 'right' });
  }
  pdf.y = Math.max(pdf.y, companyBottom) + 18;

  // Client and contact boxes.
  const boxY = pdf.y;
  const boxW = (width - 16) / 2;
  const clientLines = [doc.client.nom, doc.client.societe, doc.client.email ?? '', doc.client.telephone].filter(Boolean);
  const contactLines = doc.contact ? [doc.contact.nom, doc.contact.email].filter(Boolean) : ['—'];
  const boxH = 26 + 13 * Math.max(clientLines.length, contactLines.length);
  const box = (x: number, title: string, lines: string[], emphasis: boolean) => {
    pdf.roundedRect(x, boxY, boxW, boxH, 4).lineWidth(0.8).strokeColor(COLORS.border).stroke();
    pdf.font(FONT_BOLD).fontSize(8).fillColor(COLORS.accent).text(title.toUpperCase(), x + 10, boxY + 8, { width: boxW - 20, characterSpacing: 0.5 });
    pdf.moveDown(0.2);
    lines.forEach((l, i) => pdf.font(i === 0 && emphasis ? FONT_BOLD : FONT).fontSize(10).fillColor(COLORS.text).text(l, x + 10, pdf.y, { width: boxW - 20 }));
  };
  box(left, 'Client', clientLines, true);
  box(left + boxW + 16, 'Votre contact', contactLines, false);
  pdf.x = left;
  pdf.y = boxY + boxH + 16;

  pdf.font(FONT_BOLD).fontSize(11).fillColor(COLORS.primary).text(`Objet : ${doc.opportuniteNom}`, left, pdf.y, { width });
  pdf.moveDown(0.6);

  // Lines.
  const lines = printedLines(doc);
  drawTable(
    pdf,
    [
      { label: 'Désignation', weight: 46 },
      { label: 'Quantité', weight: 11, align: 'right' },
      { label: 'PU HT', weight: 15, align: 'right' },
      { label: 'TVA %', weight: 10, align: 'right' },
      { label: 'Total HT', weight: 18, align: 'right' },
    ],
    lines.map((l) => [l.designation, formatQuantity(l.quantite), formatMoney(l.puCents / 100), formatRate(l.tauxTva), formatMoney(l.totalCents / 100)]),
  );

  // Totals, right-aligned block.
  ensureSpace(pdf, 90);
  pdf.moveDown(0.8);
  const totW = width * 0.42;
  const totX = left + width - totW;
  const totals: [string, number, boolean][] = [
    ['Total HT', doc.montantCents, false],
    ['TVA', doc.tvaCents, false],
    ['Total TTC', doc.montantCents + doc.tvaCents, true],
  ];
  for (const [label, cents, strong] of totals) {
    const y = pdf.y;
    const h = strong ? 24 : 18;
    if (strong) pdf.rect(totX, y, totW, h).fill(COLORS.primary);
    const color = strong ? COLORS.headerText : COLORS.text;
    pdf.font(strong ? FONT_BOLD : FONT).fontSize(strong ? 11.5 : 10).fillColor(color);
    pdf.text(label, totX + 8, y + (h - 11) / 2, { width: totW / 2 - 8 });
    pdf.text(formatMoney(cents / 100), totX + totW / 2, y + (h - 11) / 2, { width: totW / 2 - 8, align: 'right' });
    if (!strong) pdf.moveTo(totX, y + h).lineTo(totX + totW, y + h).lineWidth(0.5).strokeColor(COLORS.border).stroke();
    pdf.y = y + h;
  }
  pdf.x = left;

  if (doc.contenu.trim()) {
    pdf.moveDown(1.5);
    ensureSpace(pdf, 60);
    pdf.font(FONT_BOLD).fontSize(11).fillColor(COLORS.primary).text('Détails et conditions', left, pdf.y, { width });
    pdf.moveDown(0.3);
    pdf.font(FONT).fontSize(9.5).fillColor(COLORS.text).text(doc.contenu, { width, align: 'left', lineGap: 2 });
  }

  pdf.moveDown(1.5);
  ensureSpace(pdf, 70);
  pdf.font(FONT).fontSize(8.5).fillColor(COLORS.muted).text(
    `Devis valable ${VALIDITE_JOURS} jours à compter du ${formatLongDate(doc.dateCreation)}. ` +
      'Bon pour accord : date, signature et mention « lu et approuvé ».',
    left, pdf.y, { width },
  );
  const footer = [company.nom, company.mentions, `Devis ${doc.numero} v${doc.version} — édité le ${formatDate(now)}`].filter(Boolean).join(' — ');
  return finishPdf(pdf, footer);
}

function mailBody(doc: DevisDocument, company: string, salutation: string): { text: string; html: string } {
  const ttc = formatMoney((doc.montantCents + doc.tvaCents) / 100);
  const ht = formatMoney(doc.montantCents / 100);
  const signature = doc.contact ? `${doc.contact.nom}\n${company}` : company;
  const text =
    `Bonjour ${salutation},\n\n` +
    `Veuillez trouver ci-joint notre devis ${doc.numero} (version ${doc.version}) pour « ${doc.opportuniteNom} », ` +
    `d'un montant de ${ht} HT, soit ${ttc} TTC.\n\n` +
    `Nous restons à votre disposition pour toute question.\n\nCordialement,\n${signature}\n`;
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const html = `<p>Bonjour ${esc(salutation)},</p>
<p>Veuillez trouver ci-joint notre devis <strong>${esc(doc.numero)}</strong> (version ${doc.version}) pour « ${esc(doc.opportuniteNom)} »,
d'un montant de <strong>${esc(ht)} HT</strong>, soit <strong>${esc(ttc)} TTC</strong>.</p>
<p>Nous restons à votre disposition pour toute question.</p>
<p>Cordialement,<br>${signature.split('\n').map(esc).join('<br>')}</p>`;
  return { text, html };
}

/**
 * Sends the devis to the client: renders the PDF, marks it `envoye` with `dateEnvoi`, audits, and
 * mails it — in one transaction, mail last, so an SMTP failure rolls everything back (no state
 * change) and answers a clear error. The devis row is locked while sending (no double send race).
 */
export async function envoyerDevis(
  em: EntityManager,
  user: AuthUser,
  id: number,
  smtp: AppConfig['smtp'],
  meta: { ip?: string } = {},
): Promise<DevisOut> {
  const company = companyInfo().nom;
  let recipient = '';
  try {
    return await em.transactional(async (tem) => {
      const current = await loadDevisDocument(tem, user, id, true);
      if (current.statut === 'accepte' || current.statut === 'refuse') throw conflict('error.devis_envoi_statut');
      const to = devisRecipient(current);
      if (!to) throw new ApiError('BAD_REQUEST', 'err.client_email_missing', { client: ['err.client_email_missing'] });
      recipient = to.email;

      const [updated] = await sql(
        tem,
        `update devis set statut = 'envoye', date_envoi = now(), date_modification = now() where id = ? returning date_envoi, date_modification`,
        [id],
      );
      const doc: DevisDocument = { ...current, statut: 'envoye', dateEnvoi: iso(updated.date_envoi), dateModification: iso(updated.date_modification)! };
      const pdf = await renderDevisPdf(doc);
      await audit(tem, {
        userId: user.id,
        action: 'devis.envoye',
        entity: 'devis',
        entityId: id,
        details: { to: recipient, version: doc.version, montantTtc: (doc.montantCents + doc.tvaCents) / 100 },
        ip: meta.ip,
      });
      await recordDevisEnvoye(tem, user.id, id, recipient);
      await sendMail(smtp, {
        to: recipient,
        replyTo: doc.contact?.email || undefined,
        subject: `Devis ${doc.numero} (version ${doc.version}) — ${company}`,
        ...mailBody(doc, company, to.nom),
        attachments: [{ filename: devisFilename(doc), content: pdf, contentType: 'application/pdf' }],
      });
      // The answer is the devis detail, exactly as GET /api/devis/{id}/ gives it.
      return getDevis(tem, user, id);
    });
  } catch (err) {
    if (!(err instanceof MailSendError)) throw err;
    // The transaction is rolled back; keep a trace of the failed attempt.
    await audit(em, { userId: user.id, action: 'devis.envoi_echec', entity: 'devis', entityId: id, details: { to: recipient, error: err.message.slice(0, 300) }, ip: meta.ip });
    throw Object.assign(new ApiError('INTERNAL_SERVER_ERROR', 'error.mail_failed'), { cause: err });
  }
}
