import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';

/** Projets for pickers, optionally those of one client. */
export function useProjetOptions(client?: number): [string, string][] {
  const trpc = useTRPC();
  const q = useQuery(trpc.projets.list.queryOptions({ pageSize: 100, ordering: 'titre', ...(client ? { client } : {}) }, { staleTime: 60_000 }));
  return (q.data?.results ?? []).map((p) => [String(p.id), client ? p.titre : `${p.titre} — ${p.clientNom}`]);
}
