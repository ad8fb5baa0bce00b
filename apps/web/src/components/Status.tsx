import type { ReactNode } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { errorMessage, isNotFound } from '../lib/errors';

export function Loading({ label = 'Chargement…' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

/** A visible, announced error (role="alert" is an assertive live region). */
export function ErrorAlert({ error, children }: { error?: unknown; children?: ReactNode }) {
  const text = children ?? (error ? errorMessage(error) : null);
  if (!text) return null;
  return (
    <div className="alert alert--error" role="alert">
      {text}
    </div>
  );
}

/** A failed widget: what went wrong, in French, and a way to try this widget again (only this one). */
export function RetryAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <div className="alert alert--error alert--retry" role="alert">
      <span>{errorMessage(error)}</span>
      {onRetry && (
        <button type="button" className="btn btn--small btn--ghost" onClick={onRetry}>
          Réessayer
        </button>
      )}
    </div>
  );
}

/** A record that does not exist (any more) or is not visible to this user: say so, offer a way back. */
export function RecordNotFound({ back }: { back?: { to: string; label: string } }) {
  const navigate = useNavigate();
  return (
    <div className="empty empty--page">
      <h1 tabIndex={-1}>Fiche introuvable</h1>
      <p className="muted">Elle a peut-être été supprimée, ou elle ne vous est pas accessible.</p>
      <div className="form-actions">
        <button type="button" className="btn btn--ghost" onClick={() => navigate(-1)}>
          Page précédente
        </button>
        <Link className="btn btn--primary" to={back?.to ?? '/'}>
          {back?.label ?? 'Tableau de bord'}
        </Link>
      </div>
    </div>
  );
}

/** Wraps a query's three states so that every page shows loading, error and empty the same way. */
export function QueryState({
  query,
  empty,
  isEmpty,
  notFound,
  children,
}: {
  query: { isPending: boolean; error: unknown; refetch?: () => unknown };
  empty?: ReactNode;
  isEmpty?: boolean;
  /** For a detail page: a 404 shows a « fiche introuvable » page with this way back. */
  notFound?: { to: string; label: string };
  children: ReactNode;
}) {
  if (query.isPending && !query.error) return <Loading />;
  if (query.error) {
    if (notFound && isNotFound(query.error)) return <RecordNotFound back={notFound} />;
    return <RetryAlert error={query.error} onRetry={query.refetch && (() => void query.refetch!())} />;
  }
  if (isEmpty) return <>{empty ?? <EmptyState title="Aucun résultat." />}</>;
  return <>{children}</>;
}
