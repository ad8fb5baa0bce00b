import { useQuery } from '@tanstack/react-query';
import { Navigate, Outlet, useLocation } from 'react-router-dom';
import { useTRPC } from '../../lib/trpc';
import { isUnauthorized } from '../../lib/errors';
import { RetryAlert } from '../../components/Status';
import { ShellPlaceholder } from '../../app/ShellPlaceholder';
import { CurrentUserContext } from '../../lib/currentUser';

/** Pages behind login: the current user comes from auth.user; a 401 (after refresh) leads to /login. */
export function RequireAuth() {
  const trpc = useTRPC();
  const location = useLocation();
  const me = useQuery(trpc.auth.user.queryOptions(undefined, { staleTime: 5 * 60_000 }));
  // The app's frame at once while the session is checked, not a blank page.
  if (me.isPending) return <ShellPlaceholder />;
  if (me.error) {
    if (isUnauthorized(me.error))
      return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
    return (
      <ShellPlaceholder>
        <RetryAlert error={me.error} onRetry={() => void me.refetch()} />
      </ShellPlaceholder>
    );
  }
  return (
    <CurrentUserContext.Provider value={me.data}>
      <Outlet />
    </CurrentUserContext.Provider>
  );
}
