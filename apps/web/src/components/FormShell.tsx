import { useEffect, useRef, type FormEvent, type ReactNode } from 'react';
import { errorInfo } from '../lib/errors';

/**
 * A form card: submit/cancel buttons and the error summary. Field messages are shown next to
 * their fields by the page; messages for fields the form does not show (nonFieldErrors…) go here.
 */
export function FormShell({
  onSubmit,
  error,
  shownFields,
  busy,
  submitLabel = 'Enregistrer',
  onCancel,
  wide,
  readOnly,
  children,
}: {
  wide?: boolean;
  /** Nothing to save (e.g. an accepted devis): no buttons. */
  readOnly?: boolean;
  onSubmit: () => void;
  error: unknown;
  shownFields: string[];
  busy: boolean;
  submitLabel?: string;
  onCancel?: () => void;
  children: ReactNode;
}) {
  const info = errorInfo(error);
  const form = useRef<HTMLFormElement>(null);
  // After a refused submit, take the user to the first field to fix.
  useEffect(() => {
    if (error) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [error]);
  const other = info ? Object.entries(info.fieldErrors).filter(([f]) => !shownFields.includes(f)) : [];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit();
  };
  return (
    <form ref={form} className={`card form${wide ? ' form--wide' : ''}`} onSubmit={submit} noValidate>
      {info && (
        <div className="alert alert--error" role="alert">
          <p>
            {info.code === 'BAD_REQUEST'
              ? 'Le formulaire contient des erreurs : corrigez les champs signalés.'
              : info.message}
          </p>
          {other.length > 0 && (
            <ul>
              {other.map(([f, msgs]) => (
                <li key={f}>{msgs.join(' ')}</li>
              ))}
            </ul>
          )}
        </div>
      )}
      {children}
      {!readOnly && (
        <div className="form-actions">
          {onCancel && (
            <button type="button" className="btn btn--ghost" onClick={onCancel}>
              Annuler
            </button>
          )}
          <button type="submit" className="btn btn--primary" disabled={busy}>
            {busy ? 'Enregistrement…' : submitLabel}
          </button>
        </div>
      )}
    </form>
  );
}
