import type { ReactNode } from 'react';
import { QueryState } from './Status';

/** A form page: empty for a new object (no id), or once the object to edit has loaded. */
export function EditOrCreate<T>({
  id,
  query,
  notFound,
  children,
}: {
  notFound?: { to: string; label: string };
  id: string | undefined;
  query: { isPending: boolean; error: unknown; data?: T; refetch?: () => unknown };
  children: (data: T | undefined) => ReactNode;
}) {
  if (!id) return <>{children(undefined)}</>;
  return (
    <QueryState query={query} notFound={notFound ?? { to: '/', label: 'Tableau de bord' }}>
      {query.data !== undefined && children(query.data)}
    </QueryState>
  );
}
