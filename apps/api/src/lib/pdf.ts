import PDFDocument from 'pdfkit';

/**
 * PDF building blocks shared by the devis document and the report exports (pdfkit, built-in
 * Helvetica: WinAnsi covers French accents, œ and €). Amounts and dates are formatted fr-FR.
 */

export type Pdf = PDFKit.PDFDocument;

export const COLORS = {
  primary: '#1f3a5f',
  accent: '#2f6fb2',
  text: '#222222',
  muted: '#666666',
  border: '#c9d3de',
  zebra: '#f3f6f9',
  headerText: '#ffffff',
};
export const FONT = 'Helvetica';
export const FONT_BOLD = 'Helvetica-Bold';

/** WinAnsi has no narrow no-break space (Intl's fr-FR group separator): use the plain no-break space. */
const pdfSafe = (s: string) => s.replace(/\u202f/g, '\u00a0');

const euro = new Intl.NumberFormat('fr-FR', {
  style: 'currency',
  currency: 'EUR',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const decimal3 = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 3 });
const percent2 = new Intl.NumberFormat('fr-FR', {
  style: 'percent',
  minimumFractionDigits: 0,
  maximumFractionDigits: 2,
});
const integer = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });

/** 1234.5 → "1 234,50 €" (no-break spaces). */
export const formatMoney = (n: number): string => pdfSafe(euro.format(n));
/** Quantities: up to 3 decimals, "1 234,5". */
export const formatQuantity = (n: number): string => pdfSafe(decimal3.format(n));
/** A 0..1 ratio → "66,67 %". */
export const formatRatio = (n: number): string => pdfSafe(percent2.format(n));
/** A rate given in percent (20 → "20 %", 5.5 → "5,5 %"). */
export const formatRate = (pct: number): string => `${pdfSafe(decimal3.format(pct))}\u00a0%`;
export const formatInt = (n: number): string => pdfSafe(integer.format(n));

const dateFr = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });
const longDateFr = new Intl.DateTimeFormat('fr-FR', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'UTC',
});
/** ISO timestamp or date → "25/11/2026". */
export const formatDate = (d: string | Date): string =>
  dateFr.format(typeof d === 'string' ? new Date(d.length === 10 ? `${d}T00:00:00Z` : d) : d);
/** → "25 novembre 2026". */
export const formatLongDate = (d: string | Date): string =>
  longDateFr.format(typeof d === 'string' ? new Date(d.length === 10 ? `${d}T00:00:00Z` : d) : d);

export function createPdf(opts: { title: string; layout?: 'portrait' | 'landscape' }): Pdf {
  const doc = new PDFDocument({
    size: 'A4',
    layout: opts.layout ?? 'portrait',
    margins: { top: 45, bottom: 55, left: 45, right: 45 },
    bufferPages: true,
    info: { Title: opts.title, Author: 'CRM', Creator: 'CRM' },
    lang: 'fr-FR',
  } as PDFKit.PDFDocumentOptions);
  doc.font(FONT).fillColor(COLORS.text);
  return doc;
}

/** Writes "left text … Page i / n" at the bottom of every page, then ends the document; resolves the bytes. */
export function finishPdf(doc: Pdf, footer: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0; // writing in the margin must not open a new page
      const y = doc.page.height - 35;
      const left = doc.page.margins.left;
      const width = doc.page.width - left - doc.page.margins.right;
      doc
        .moveTo(left, y - 6)
        .lineTo(left + width, y - 6)
        .lineWidth(0.5)
        .strokeColor(COLORS.border)
        .stroke();
      doc.font(FONT).fontSize(7.5).fillColor(COLORS.muted);
      doc.text(footer, left, y, { width: width - 80, lineBreak: false });
      doc.text(`Page ${i + 1} / ${range.count}`, left + width - 80, y, { width: 80, align: 'right', lineBreak: false });
      doc.page.margins.bottom = bottom;
    }
    doc.end();
  });
}

export interface PdfColumn {
  label: string;
  /** Relative width (the table spreads the columns over the available width). */
  weight: number;
  align?: 'left' | 'right' | 'center';
}

/**
 * A table with a coloured header repeated on each page, zebra rows and wrapped cells.
 * Starts at the current y; leaves y below the table.
 */
export function drawTable(
  doc: Pdf,
  columns: PdfColumn[],
  rows: string[][],
  opts: { fontSize?: number; boldLastRow?: boolean } = {},
): void {
  const fontSize = opts.fontSize ?? 9;
  const pad = 4;
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const total = columns.reduce((s, c) => s + c.weight, 0);
  const widths = columns.map((c) => (c.weight / total) * width);
  const xs = widths.map((_, i) => left + widths.slice(0, i).reduce((s, w) => s + w, 0));
  const bottomLimit = () => doc.page.height - doc.page.margins.bottom;

  const rowHeight = (cells: string[], font: string) => {
    doc.font(font).fontSize(fontSize);
    return Math.max(...cells.map((c, i) => doc.heightOfString(c || ' ', { width: widths[i] - 2 * pad }))) + 2 * pad;
  };
  const drawCells = (cells: string[], y: number, h: number, font: string, color: string) => {
    doc.font(font).fontSize(fontSize).fillColor(color);
    cells.forEach((c, i) => {
      doc.text(c, xs[i] + pad, y + pad, { width: widths[i] - 2 * pad, align: columns[i].align ?? 'left', height: h });
    });
  };
  const header = () => {
    const labels = columns.map((c) => c.label);
    const h = rowHeight(labels, FONT_BOLD);
    const y = doc.y;
    doc.rect(left, y, width, h).fill(COLORS.primary);
    drawCells(labels, y, h, FONT_BOLD, COLORS.headerText);
    doc.y = y + h;
  };

  header();
  rows.forEach((cells, r) => {
    const font = opts.boldLastRow && r === rows.length - 1 ? FONT_BOLD : FONT;
    const h = rowHeight(cells, font);
    if (doc.y + h > bottomLimit()) {
      doc.addPage();
      header();
    }
    const y = doc.y;
    if (r % 2 === 1) doc.rect(left, y, width, h).fill(COLORS.zebra);
    drawCells(cells, y, h, font, COLORS.text);
    doc
      .moveTo(left, y + h)
      .lineTo(left + width, y + h)
      .lineWidth(0.5)
      .strokeColor(COLORS.border)
      .stroke();
    doc.y = y + h;
  });
  if (rows.length === 0) {
    doc
      .font(FONT)
      .fontSize(fontSize)
      .fillColor(COLORS.muted)
      .text('Aucune donnée.', left + pad, doc.y + pad, { width: width - 2 * pad });
  }
  doc.x = left;
  doc.fillColor(COLORS.text);
}

/** Moves to a new page when fewer than `needed` points remain. */
export function ensureSpace(doc: Pdf, needed: number): void {
  if (doc.y + needed > doc.page.height - doc.page.margins.bottom) doc.addPage();
}
