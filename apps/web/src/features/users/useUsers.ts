import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '../../lib/trpc';
import { displayName } from '../auth/currentUser';

/** Active users for assignment lists (responsable, assigné à). */
export function useUserOptions(): [string, string][] {
  const trpc = useTRPC();
  const users = useQuery(trpc.users.list.queryOptions({ pageSize: 100, isActive: 'true' }, { staleTime: 5 * 60_000 }));
  return (users.data?.results ?? []).map((u) => [String(u.id), displayName(u)]);
}
