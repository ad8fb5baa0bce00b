import type { ReactNode } from 'react';
import { errorMessage } from '../lib/errors';

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

/** Wraps a query's three states so that every page shows loading, error and empty the same way. */
export function QueryState({
  query,
  empty,
  isEmpty,
  children,
}: {
  query: { isPending: boolean; error: unknown };
  empty?: ReactNode;
  isEmpty?: boolean;
  children: ReactNode;
}) {
  if (query.isPending) return <Loading />;
  if (query.error) return <ErrorAlert error={query.error} />;
  if (isEmpty) return <>{empty ?? <EmptyState title="Aucun résultat." />}</>;
  return <>{children}</>;
}
