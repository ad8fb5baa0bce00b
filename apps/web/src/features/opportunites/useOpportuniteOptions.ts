import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';

/** Opportunités for pickers (newest 100). */
export function useOpportuniteOptions(): [string, string][] {
  const trpc = useTRPC();
  const q = useQuery(trpc.opportunites.list.queryOptions({ pageSize: 100, ordering: '-dateCreation' }, { staleTime: 60_000 }));
  return (q.data?.results ?? []).map((o) => [String(o.id), `${o.nom} — ${o.clientNom}`]);
}
