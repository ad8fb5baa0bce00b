import { useState } from 'react';
import { downloadErrorMessage, downloadFile } from '../../lib/download';

/** Downloads an import's report of rejected rows (CSV); a failure is said next to the button. */
export function RejetsButton({
  path,
  label = 'Télécharger les lignes rejetées (CSV)',
  ariaLabel,
  small = false,
}: {
  path: string;
  label?: string;
  /** When several buttons share a page (the list): which import's report. */
  ariaLabel?: string;
  small?: boolean;
}) {
  const [error, setError] = useState('');
  return (
    <>
      <button
        type="button"
        className={`btn btn--ghost${small ? ' btn--small' : ''}`}
        aria-label={ariaLabel}
        onClick={() => {
          setError('');
          downloadFile(path, 'rejets.csv').catch((e) => setError(downloadErrorMessage(e)));
        }}
      >
        {label}
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
