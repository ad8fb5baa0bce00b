import { useState } from 'react';
import { downloadErrorMessage, downloadFile } from '../lib/download';

type Format = 'csv' | 'xlsx';

/**
 * « Exporter »: the list as shown (its filters, search and ordering; every page) as a CSV or Excel
 * file, from `GET /api<path>export/`. `params` is the list's query input (page and pageSize are
 * ignored by the server).
 */
export function ExportButton({ path, params }: { path: string; params: Record<string, unknown> }) {
  const [busy, setBusy] = useState<Format | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (format: Format) => {
    const query = new URLSearchParams({ format });
    for (const [k, v] of Object.entries(params))
      if (v !== undefined && v !== null && v !== '' && k !== 'page' && k !== 'pageSize') query.set(k, String(v));
    setBusy(format);
    setError(null);
    try {
      await downloadFile(`/api${path}export/?${query}`, `export.${format}`);
    } catch (e) {
      setError(downloadErrorMessage(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <details className="export-menu">
      <summary className="btn btn--ghost">{busy ? 'Export en cours…' : 'Exporter'}</summary>
      <div className="export-menu-items" role="group" aria-label="Format d'export">
        <button type="button" className="btn btn--ghost btn--small" disabled={busy !== null} onClick={() => run('csv')}>
          CSV (Excel français)
        </button>
        <button
          type="button"
          className="btn btn--ghost btn--small"
          disabled={busy !== null}
          onClick={() => run('xlsx')}
        >
          Excel (.xlsx)
        </button>
      </div>
      {error && (
        <p role="alert" className="export-menu-error">
          {error}
        </p>
      )}
    </details>
  );
}
