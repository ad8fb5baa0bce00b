import { useQuery } from '@tanstack/react-query';
import { Navigate, Outlet, useLocation } from 'react-router-dom';
import { useTRPC } from '../../lib/trpc';
import { isUnauthorized } from '../../lib/errors';
import { ErrorAlert, Loading } from '../../components/Status';
import { CurrentUserContext } from './currentUser';

/** Pages behind login: the current user comes from auth.user; a 401 (after refresh) leads to /login. */
export function RequireAuth() {
  const trpc = useTRPC();
  const location = useLocation();
  const me = useQuery(trpc.auth.user.queryOptions(undefined, { staleTime: 5 * 60_000 }));
  if (me.isPending) return <Loading label="Connexion…" />;
  if (me.error) {
    if (isUnauthorized(me.error)) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
    return <ErrorAlert error={me.error} />;
  }
  return (
    <CurrentUserContext.Provider value={me.data}>
      <Outlet />
    </CurrentUserContext.Provider>
  );
}
