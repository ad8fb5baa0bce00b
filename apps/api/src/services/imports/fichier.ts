import ExcelJS from 'exceljs';
import { IMPORT_MAX_LIGNES, type MessageKey } from '@crm/shared';

/**
 * Reading an uploaded file into a header row and text cells, or refusing it with a French 400
 * (ImportFileError): not CSV/XLSX, empty, no data row, formula cells, undecodable bytes.
 *
 * - XLSX (a zip holding `xl/workbook.xml`), first worksheet, through exceljs. A formula cell is
 *   refused (its cached result may be stale, and a formula is not data); dates become
 *   `YYYY-MM-DD`, numbers keep a `.` decimal point (the field conversions read both).
 * - CSV: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 (Excel « CSV » on
 *   French Windows) — unless the bytes hold one of the five codes Windows-1252 leaves undefined,
 *   or NULs without a UTF-16 BOM: then the encoding is unknown and the file is refused. The
 *   delimiter is sniffed among `;` `,` tab `|`: the one that splits the first lines into the same
 *   number (> 1) of columns, the most columns winning. RFC 4180 quoting (doubled quotes, line
 *   breaks inside quotes).
 */
export class ImportFileError extends Error {
  constructor(
    readonly key: MessageKey,
    /** Where, for the message (« B3 »). */
    readonly detail?: string,
  ) {
    super(key);
  }
}

export interface DecodedFile {
  format: 'csv' | 'xlsx';
  encodage: string | null;
  separateur: string | null;
  entetes: string[];
  lignes: string[][];
}

const MAX_COLONNES = 200;

export async function decodeFile(bytes: Buffer): Promise<DecodedFile> {
  if (bytes.length === 0) throw new ImportFileError('import.fichier_vide');
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return decodeXlsx(bytes);
  if (bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0)
    throw new ImportFileError('import.xls');
  const { text, encodage } = decodeText(bytes);
  if (text.trim() === '') throw new ImportFileError('import.fichier_vide');
  // Control characters other than tab, CR, LF (after decoding): a binary file (PDF, image…), not text.
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(text)) throw new ImportFileError('import.format');
  const separateur = sniffDelimiter(text);
  const rows = parseCsv(text, separateur);
  return { format: 'csv', encodage, separateur, ...table(rows) };
}

/** Windows-1252 leaves these five bytes undefined: a file using them is in another encoding. */
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

function decodeText(bytes: Buffer): { text: string; encodage: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return { text: utf8(bytes.subarray(3)), encodage: 'utf-8' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encodage: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encodage: 'utf-16be' };
  // NUL bytes without a BOM: UTF-16/32 without its mark, or binary. Neither can be read safely.
  const sample = bytes.subarray(0, 65_536);
  if (sample.includes(0)) {
    const nuls = sample.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
    throw new ImportFileError(nuls > sample.length / 4 ? 'import.encodage' : 'import.format');
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encodage: 'utf-8' };
  } catch {
    for (const b of bytes) if (CP1252_UNDEFINED.has(b)) throw new ImportFileError('import.encodage');
    return { text: decodeCp1252(bytes), encodage: 'windows-1252' };
  }
}

/**
 * Windows-1252: Latin-1 except 0x80–0x9F, which hold €, œ, Œ, curly quotes, dashes… (Node's
 * TextDecoder, without full ICU, decodes them as C1 control characters, as Latin-1 does).
 */
const CP1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
function decodeCp1252(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]);
}

function utf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // A UTF-8 BOM followed by bytes that are not UTF-8: the file says one encoding and is another.
    throw new ImportFileError('import.encodage');
  }
}

const DELIMITERS = [';', ',', '\t', '|'];

/** The delimiter splitting the first lines into the same number of columns (> 1); the most columns win. */
export function sniffDelimiter(text: string): string {
  const sample = text.slice(0, 32_768);
  let best = { sep: ';', score: -1 };
  for (const sep of DELIMITERS) {
    const rows = parseCsv(sample, sep, 30);
    // The sample may cut the last line short.
    const lines = rows.length > 1 && sample.length < text.length ? rows.slice(0, -1) : rows;
    if (!lines.length) continue;
    const widths = lines.map((r) => r.length);
    const head = widths[0];
    if (head < 2) continue;
    const same = widths.filter((w) => w === head).length / widths.length;
    const score = (same >= 0.8 ? 1000 : 0) + head;
    if (score > best.score) best = { sep, score };
  }
  return best.sep;
}

/** RFC 4180 CSV: quoted fields with doubled quotes and line breaks; CRLF, LF or CR line ends. Blank lines are skipped. */
export function parseCsv(text: string, sep: string, maxRows = Number.POSITIVE_INFINITY): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  const n = text.length;
  const endRow = () => {
    row.push(field);
    field = '';
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
  };
  while (i < n && rows.length < maxRows) {
    const ch = text[i];
    if (ch === '"' && field === '') {
      // Quoted field: up to the closing quote (a doubled quote is one quote).
      i++;
      let start = i;
      let value = '';
      for (;;) {
        const q = text.indexOf('"', i);
        if (q === -1) {
          value += text.slice(start);
          i = n;
          break;
        }
        if (text[q + 1] === '"') {
          value += text.slice(start, q + 1);
          i = q + 2;
          start = i;
          continue;
        }
        value += text.slice(start, q);
        i = q + 1;
        break;
      }
      field = value;
      // Anything between the closing quote and the delimiter is kept (lenient).
      while (i < n && text[i] !== sep && text[i] !== '\n' && text[i] !== '\r') field += text[i++];
      continue;
    }
    if (ch === sep) {
      row.push(field);
      field = '';
      i++;
    } else if (ch === '\n' || ch === '\r') {
      endRow();
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      // Up to the next special character in one slice.
      let j = i + 1;
      while (j < n) {
        const c = text[j];
        if (c === sep || c === '\n' || c === '\r') break;
        j++;
      }
      field += text.slice(i, j);
      i = j;
    }
  }
  if ((field !== '' || row.length) && rows.length < maxRows) endRow();
  return rows;
}

/** Header row (the first row) and data rows, as many cells as headers, trimmed; blank rows dropped. */
function table(rows: string[][]): { entetes: string[]; lignes: string[][] } {
  if (!rows.length) throw new ImportFileError('import.fichier_vide');
  const width = rows[0].length;
  if (width > MAX_COLONNES) throw new ImportFileError('import.trop_de_colonnes');
  const entetes = rows[0].map((h, i) => h.replace(/^\uFEFF/, '').trim() || `Colonne ${i + 1}`);
  const lignes: string[][] = [];
  for (let r = 1; r < rows.length; r++) {
    const cells = new Array<string>(width);
    let blank = true;
    for (let c = 0; c < width; c++) {
      const v = (rows[r][c] ?? '').trim();
      cells[c] = v;
      if (v !== '') blank = false;
    }
    if (blank) continue;
    lignes.push(cells);
    if (lignes.length > IMPORT_MAX_LIGNES) throw new ImportFileError('import.trop_de_lignes');
  }
  if (!lignes.length) throw new ImportFileError('import.sans_donnees');
  return { entetes, lignes };
}

/** `A`, `B`, … `AA` for column index 1, 2, … 27. */
function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

async function decodeXlsx(bytes: Buffer): Promise<DecodedFile> {
  // A zip that is not a workbook (docx, odt, any archive): not a spreadsheet we read.
  if (!bytes.includes('xl/workbook.xml')) throw new ImportFileError('import.format');
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch {
    throw new ImportFileError('import.xlsx_illisible');
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new ImportFileError('import.fichier_vide');
  const rows: string[][] = [];
  let refused: string | undefined;
  ws.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (refused) return;
    const values = row.values as unknown[];
    const out: string[] = [];
    for (let c = 1; c < values.length; c++) {
      const v = values[c];
      if (
        v &&
        typeof v === 'object' &&
        !(v instanceof Date) &&
        ('formula' in v || 'sharedFormula' in v || 'error' in v)
      ) {
        refused = `${columnLetter(c)}${rowNumber}`;
        return;
      }
      out.push(cellText(v));
    }
    rows.push(out);
  });
  if (refused) throw new ImportFileError('import.formule', refused);
  if (rows.length > IMPORT_MAX_LIGNES + 1) throw new ImportFileError('import.trop_de_lignes');
  // Rows may be shorter than the header (trailing empty cells): table() pads them.
  return { format: 'xlsx', encodage: null, separateur: null, ...table(rows) };
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'oui' : 'non';
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return '';
    // Spreadsheet dates are days (exceljs reads them as UTC midnights): the date part.
    return v.toISOString().slice(0, 10);
  }
  if (typeof v === 'object') {
    const o = v as { richText?: { text: string }[]; text?: unknown; hyperlink?: string; result?: unknown };
    if (Array.isArray(o.richText)) return o.richText.map((p) => p.text).join('');
    if (o.text !== undefined) return cellText(o.text);
    if (o.hyperlink) return o.hyperlink;
  }
  return String(v);
}
