import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import {
  type Cell,
  CSV_BOM,
  csvHeaderLine,
  csvLine,
  type ReportColumn,
  styleXlsxHeader,
  xlsxColumns,
  xlsxRow,
} from './exports.js';

/**
 * One table of any length written as a stream, batch by batch: CSV (UTF-8 BOM, `;`, formula
 * injection neutralised — the same cells as the report exports) or XLSX (ExcelJS streaming
 * writer: rows are committed to the zip as they come, never held as a workbook).
 */
export type TableFormat = 'csv' | 'xlsx';

export function streamTable(
  format: TableFormat,
  titre: string,
  colonnes: ReportColumn[],
  batches: AsyncIterable<Record<string, Cell>[]>,
): Readable {
  return format === 'csv' ? csvStream(colonnes, batches) : xlsxStream(titre, colonnes, batches);
}

function csvStream(colonnes: ReportColumn[], batches: AsyncIterable<Record<string, Cell>[]>): Readable {
  async function* lines() {
    yield `${CSV_BOM}${csvHeaderLine(colonnes)}\r\n`;
    for await (const batch of batches) {
      if (batch.length) yield `${batch.map((row) => csvLine(colonnes, row)).join('\r\n')}\r\n`;
    }
  }
  return Readable.from(lines(), { objectMode: false });
}

function xlsxStream(titre: string, colonnes: ReportColumn[], batches: AsyncIterable<Record<string, Cell>[]>): Readable {
  const out = new PassThrough();
  const write = async () => {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    wb.creator = 'CRM';
    const ws = wb.addWorksheet(titre.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Export', {
      views: [{ state: 'frozen', ySplit: 1 }],
    });
    ws.columns = xlsxColumns(colonnes);
    styleXlsxHeader(ws.getRow(1));
    ws.getRow(1).commit();
    for await (const batch of batches) {
      for (const row of batch) ws.addRow(xlsxRow(colonnes, row)).commit();
      // Backpressure: wait for the client to take what is buffered before reading the next batch.
      while (out.writableNeedDrain && !out.destroyed) await drainedOrClosed(out);
      if (out.destroyed) return;
    }
    ws.commit();
    await wb.commit();
  };
  write().catch((err) => out.destroy(err));
  return out;
}

/** Resolves when the stream asks for more, or is closed (client gone). */
function drainedOrClosed(stream: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
