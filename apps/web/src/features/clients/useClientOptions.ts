import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';

/** Clients for pickers (first 100 by name: a small team's portfolio). */
export function useClientOptions(): [string, string][] {
  const trpc = useTRPC();
  const q = useQuery(trpc.clients.list.queryOptions({ pageSize: 100, ordering: 'nom' }, { staleTime: 60_000 }));
  return (q.data?.results ?? []).map((c) => [String(c.id), c.societe ? `${c.nom} (${c.societe})` : c.nom]);
}
