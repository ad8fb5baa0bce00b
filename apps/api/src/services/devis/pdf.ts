import { DEFAULT_TVA, LABELS } from '@crm/shared';
import type { CompanyInfo } from '../../config.js';
import {
  COLORS,
  createPdf,
  drawTable,
  ensureSpace,
  finishPdf,
  FONT,
  FONT_BOLD,
  formatDate,
  formatLongDate,
  formatMoney,
  formatQuantity,
  formatRate,
} from '../../lib/pdf.js';
import { VALIDITE_JOURS } from '../devisLiens.js';
import { dateValidite, type DevisDocument } from './document.js';

/** Lines as printed: the devis lines, or a single line for a devis without detail. */
function printedLines(
  doc: DevisDocument,
): { designation: string; quantite: number; puCents: number; tauxTva: number; totalCents: number }[] {
  if (doc.lignes?.length) {
    return doc.lignes.map((l) => {
      const puCents = Math.round(l.prixUnitaire * 100);
      return {
        designation: l.designation,
        quantite: l.quantite,
        puCents,
        tauxTva: l.tauxTva,
        totalCents: Math.round(l.quantite * puCents),
      };
    });
  }
  const taux = doc.montantCents > 0 ? Math.round((doc.tvaCents / doc.montantCents) * 10_000) / 100 : DEFAULT_TVA;
  return [
    {
      designation: doc.opportuniteNom,
      quantite: 1,
      puCents: doc.montantCents,
      tauxTva: taux,
      totalCents: doc.montantCents,
    },
  ];
}

/** The devis as an A4 PDF, in French. */
export async function renderDevisPdf(doc: DevisDocument, company: CompanyInfo, now = new Date()): Promise<Buffer> {
  const pdf = createPdf({ title: `Devis ${doc.numero} (version ${doc.version})` });
  const left = pdf.page.margins.left;
  const width = pdf.page.width - left - pdf.page.margins.right;
  const top = pdf.page.margins.top;

  // Header: company on the left, document identity on the right.
  pdf.rect(0, 0, pdf.page.width, 8).fill(COLORS.primary);
  pdf
    .font(FONT_BOLD)
    .fontSize(18)
    .fillColor(COLORS.primary)
    .text(company.nom, left, top, { width: width * 0.55 });
  pdf.font(FONT).fontSize(9).fillColor(COLORS.muted);
  for (const line of [...company.adresse, company.contact].filter(Boolean)) pdf.text(line, { width: width * 0.55 });
  const companyBottom = pdf.y;

  const rightX = left + width * 0.55;
  const rightW = width * 0.45;
  pdf
    .font(FONT_BOLD)
    .fontSize(24)
    .fillColor(COLORS.accent)
    .text('DEVIS', rightX, top, { width: rightW, align: 'right' });
  pdf.font(FONT).fontSize(9.5).fillColor(COLORS.text);
  const validite = dateValidite(doc.dateCreation);
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
    pdf
      .font(FONT)
      .fillColor(COLORS.muted)
      .text(`${k} :`, rightX, y, { width: rightW - valueW - 6, align: 'right' });
    pdf
      .font(FONT_BOLD)
      .fillColor(COLORS.text)
      .text(v, rightX + rightW - valueW, y, { width: valueW, align: 'right' });
  }
  pdf.y = Math.max(pdf.y, companyBottom) + 18;

  // Client and contact boxes.
  const boxY = pdf.y;
  const boxW = (width - 16) / 2;
  const clientLines = [doc.client.nom, doc.client.societe, doc.client.email ?? '', doc.client.telephone].filter(
    Boolean,
  );
  const contactLines = doc.contact ? [doc.contact.nom, doc.contact.email].filter(Boolean) : ['—'];
  const boxH = 26 + 13 * Math.max(clientLines.length, contactLines.length);
  const box = (x: number, title: string, lines: string[], emphasis: boolean) => {
    pdf.roundedRect(x, boxY, boxW, boxH, 4).lineWidth(0.8).strokeColor(COLORS.border).stroke();
    pdf
      .font(FONT_BOLD)
      .fontSize(8)
      .fillColor(COLORS.accent)
      .text(title.toUpperCase(), x + 10, boxY + 8, { width: boxW - 20, characterSpacing: 0.5 });
    pdf.moveDown(0.2);
    lines.forEach((l, i) => {
      pdf
        .font(i === 0 && emphasis ? FONT_BOLD : FONT)
        .fontSize(10)
        .fillColor(COLORS.text)
        .text(l, x + 10, pdf.y, { width: boxW - 20 });
    });
  };
  box(left, 'Client', clientLines, true);
  box(left + boxW + 16, 'Votre contact', contactLines, false);
  pdf.x = left;
  pdf.y = boxY + boxH + 16;

  pdf
    .font(FONT_BOLD)
    .fontSize(11)
    .fillColor(COLORS.primary)
    .text(`Objet : ${doc.opportuniteNom}`, left, pdf.y, { width });
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
    lines.map((l) => [
      l.designation,
      formatQuantity(l.quantite),
      formatMoney(l.puCents / 100),
      formatRate(l.tauxTva),
      formatMoney(l.totalCents / 100),
    ]),
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
    pdf
      .font(strong ? FONT_BOLD : FONT)
      .fontSize(strong ? 11.5 : 10)
      .fillColor(color);
    pdf.text(label, totX + 8, y + (h - 11) / 2, { width: totW / 2 - 8 });
    pdf.text(formatMoney(cents / 100), totX + totW / 2, y + (h - 11) / 2, { width: totW / 2 - 8, align: 'right' });
    if (!strong)
      pdf
        .moveTo(totX, y + h)
        .lineTo(totX + totW, y + h)
        .lineWidth(0.5)
        .strokeColor(COLORS.border)
        .stroke();
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

  if (doc.statut === 'accepte' || doc.statut === 'refuse') drawAnswer(pdf, doc, left, width);

  pdf.moveDown(1.5);
  ensureSpace(pdf, 70);
  pdf
    .font(FONT)
    .fontSize(8.5)
    .fillColor(COLORS.muted)
    .text(
      `Devis valable ${VALIDITE_JOURS} jours à compter du ${formatLongDate(doc.dateCreation)}. ` +
        'Bon pour accord : date, signature et mention « lu et approuvé ».',
      left,
      pdf.y,
      { width },
    );
  const footer = [company.nom, company.mentions, `Devis ${doc.numero} v${doc.version} — édité le ${formatDate(now)}`]
    .filter(Boolean)
    .join(' — ');
  return finishPdf(pdf, footer);
}

/** The client's online answer, as recorded from the public page: who, when, and (accepted) the « Bon pour accord ». */
function drawAnswer(pdf: ReturnType<typeof createPdf>, doc: DevisDocument, left: number, width: number): void {
  pdf.moveDown(1.5);
  ensureSpace(pdf, 80);
  const accepted = doc.statut === 'accepte';
  const y = pdf.y;
  const lines = accepted
    ? [
        `Accepté en ligne le ${doc.dateReponse ? formatDate(doc.dateReponse) : '—'} par ${doc.signataire ?? '—'}`,
        '« Bon pour accord » coché par le signataire sur la page du devis.',
      ]
    : [
        `Refusé le ${doc.dateReponse ? formatDate(doc.dateReponse) : '—'}${doc.signataire ? ` par ${doc.signataire}` : ''}`,
        doc.motifRefus ? `Motif : ${doc.motifRefus}` : '',
      ].filter(Boolean);
  const h = 30 + 14 * lines.length;
  pdf
    .roundedRect(left, y, width, h, 4)
    .lineWidth(1.2)
    .strokeColor(accepted ? COLORS.primary : COLORS.muted)
    .stroke();
  pdf
    .font(FONT_BOLD)
    .fontSize(10.5)
    .fillColor(accepted ? COLORS.primary : COLORS.text)
    .text(accepted ? 'BON POUR ACCORD — ACCEPTATION DU CLIENT' : 'RÉPONSE DU CLIENT', left + 12, y + 9, {
      width: width - 24,
    });
  pdf.font(FONT).fontSize(9.5).fillColor(COLORS.text);
  for (const l of lines) pdf.text(l, left + 12, pdf.y + 2, { width: width - 24 });
  pdf.x = left;
  pdf.y = y + h;
}
