import ExcelJS from 'exceljs';
import type { ExportFormat } from '@crm/shared';
import {
  COLORS,
  createPdf,
  drawTable,
  ensureSpace,
  finishPdf,
  FONT,
  FONT_BOLD,
  formatInt,
  formatMoney,
  formatRatio,
} from './pdf.js';

/**
 * A report as tables (one or more sections), written as CSV for French Excel, XLSX or PDF.
 * Cell types drive the formatting: amounts in euros, ratios as percentages.
 */

export type CellType = 'text' | 'int' | 'money' | 'ratio';
export type Cell = string | number | null;

export interface ReportColumn {
  key: string;
  label: string;
  type: CellType;
  /** Relative width in the PDF and XLSX. */
  weight?: number;
}
export interface ReportTable {
  titre: string;
  colonnes: ReportColumn[];
  lignes: Record<string, Cell>[];
  /** The last row is a total (bold in PDF and XLSX). */
  avecTotal?: boolean;
}
export interface ReportDocument {
  titre: string;
  /** Lines shown under the title: generation date, filters… */
  details: string[];
  tables: ReportTable[];
}

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

export function exportReport(doc: ReportDocument, format: ExportFormat): Promise<Buffer> {
  switch (format) {
    case 'csv':
      return Promise.resolve(toCsv(doc));
    case 'xlsx':
      return toXlsx(doc);
    case 'pdf':
      return toPdf(doc);
  }
}

// --- CSV: UTF-8 with BOM, `;` separator, decimal comma (what French Excel opens as numbers) ----

/** A cell that starts like a formula is neutralised (CSV injection). */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvCell(value: Cell, type: CellType): string {
  if (value === null || value === undefined) return '';
  let s: string;
  if (type === 'money') s = Number(value).toFixed(2).replace('.', ',');
  else if (type === 'ratio') s = String(Math.round(Number(value) * 10_000) / 100).replace('.', ',');
  else if (type === 'int') s = String(value);
  else {
    s = String(value);
    if (FORMULA_START.test(s)) s = `'${s}`;
  }
  return /[";\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const csvLabel = (c: ReportColumn) => (c.type === 'ratio' ? `${c.label} (%)` : c.label);

/** The header line of a CSV table (no line break). */
export const csvHeaderLine = (colonnes: ReportColumn[]): string =>
  colonnes.map((c) => csvCell(csvLabel(c), 'text')).join(';');
/** One CSV data line (no line break). */
export const csvLine = (colonnes: ReportColumn[], row: Record<string, Cell>): string =>
  colonnes.map((c) => csvCell(row[c.key], c.type)).join(';');
/** Byte order mark: French Excel reads the file as UTF-8. */
export const CSV_BOM = '\uFEFF';

export function toCsv(doc: ReportDocument): Buffer {
  const lines: string[] = [];
  const sections = doc.tables.length > 1;
  for (const table of doc.tables) {
    if (sections) lines.push(csvCell(table.titre, 'text'));
    lines.push(csvHeaderLine(table.colonnes));
    for (const row of table.lignes) lines.push(csvLine(table.colonnes, row));
    if (sections) lines.push('');
  }
  return Buffer.from(`${CSV_BOM}${lines.join('\r\n')}\r\n`, 'utf8');
}

// --- XLSX: one sheet per table, typed cells with number formats -------------------------------

const XLSX_FORMATS: Record<CellType, string | undefined> = {
  text: undefined,
  int: '#,##0',
  money: '#,##0.00 "€"',
  ratio: '0.00 %',
};

function sheetName(title: string, used: Set<string>): string {
  const base =
    title
      .replace(/[[\]:*?/\\]/g, ' ')
      .slice(0, 31)
      .trim() || 'Feuille';
  let name = base;
  for (let i = 2; used.has(name.toLowerCase()); i++) name = `${base.slice(0, 28)} ${i}`;
  used.add(name.toLowerCase());
  return name;
}

/** Sheet columns: header, key, width by weight, number format by type. */
export const xlsxColumns = (colonnes: ReportColumn[]) =>
  colonnes.map((c) => ({
    header: c.label,
    key: c.key,
    width: Math.max(12, Math.min(45, (c.weight ?? 1) * 14, c.label.length + 4)),
    style: XLSX_FORMATS[c.type] ? { numFmt: XLSX_FORMATS[c.type] } : {},
  }));

/** A row's values by column key (text stays text: ExcelJS never turns a string into a formula). */
export const xlsxRow = (colonnes: ReportColumn[], row: Record<string, Cell>) =>
  Object.fromEntries(colonnes.map((c) => [c.key, row[c.key] ?? null]));

export function styleXlsxHeader(header: ExcelJS.Row): void {
  header.font = { bold: true, color: { argb: 'FFFFFFFF' } };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: `FF${COLORS.primary.slice(1).toUpperCase()}` } };
  header.alignment = { vertical: 'middle' };
}

export async function toXlsx(doc: ReportDocument): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'CRM';
  wb.title = doc.titre;
  wb.created = new Date();
  const used = new Set<string>();
  for (const table of doc.tables) {
    const ws = wb.addWorksheet(sheetName(table.titre, used), { views: [{ state: 'frozen', ySplit: 1 }] });
    ws.columns = xlsxColumns(table.colonnes);
    for (const row of table.lignes) ws.addRow(xlsxRow(table.colonnes, row));
    styleXlsxHeader(ws.getRow(1));
    if (table.avecTotal && table.lignes.length) ws.getRow(table.lignes.length + 1).font = { bold: true };
    if (table.lignes.length)
      ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: table.colonnes.length } };
  }
  const info = wb.addWorksheet(sheetName('Informations', used));
  info.columns = [{ width: 90 }];
  info.addRow([doc.titre]).font = { bold: true, size: 14 };
  for (const line of doc.details) info.addRow([line]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

// --- PDF ----------------------------------------------------------------------------------

function pdfCell(value: Cell, type: CellType): string {
  if (value === null || value === undefined) return '—';
  switch (type) {
    case 'money':
      return formatMoney(Number(value));
    case 'ratio':
      return formatRatio(Number(value));
    case 'int':
      return formatInt(Number(value));
    default:
      return String(value);
  }
}

export async function toPdf(doc: ReportDocument): Promise<Buffer> {
  const wide = doc.tables.some((t) => t.colonnes.length > 5);
  const pdf = createPdf({ title: doc.titre, layout: wide ? 'landscape' : 'portrait' });
  const left = pdf.page.margins.left;
  const width = pdf.page.width - left - pdf.page.margins.right;
  pdf.rect(0, 0, pdf.page.width, 8).fill(COLORS.primary);
  pdf.font(FONT_BOLD).fontSize(18).fillColor(COLORS.primary).text(doc.titre, left, pdf.page.margins.top, { width });
  pdf.moveDown(0.3);
  pdf.font(FONT).fontSize(9).fillColor(COLORS.muted);
  for (const line of doc.details) pdf.text(line, { width });
  for (const table of doc.tables) {
    pdf.moveDown(1.2);
    ensureSpace(pdf, 80);
    pdf.font(FONT_BOLD).fontSize(12).fillColor(COLORS.primary).text(table.titre, left, pdf.y, { width });
    pdf.moveDown(0.4);
    drawTable(
      pdf,
      table.colonnes.map((c) => ({
        label: c.label,
        weight: c.weight ?? 1,
        align: c.type === 'text' ? 'left' : 'right',
      })),
      table.lignes.map((row) => table.colonnes.map((c) => pdfCell(row[c.key], c.type))),
      { boldLastRow: table.avecTotal },
    );
  }
  return finishPdf(pdf, `${doc.titre} — CRM`);
}
