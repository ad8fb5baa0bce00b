import { Suspense, useEffect, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { LABELS } from '@crm/shared/labels';
import { useTRPC } from '../lib/trpc';
import { displayName, useCurrentUser } from '../lib/currentUser';
import { Loading } from '../components/Status';
import { NotificationBell } from '../features/notifications/NotificationBell';
import { SearchLauncher } from '../features/recherche/SearchLauncher';
import { ChunkErrorBoundary } from './ChunkErrorBoundary';
import { NAV } from './nav';

export function Layout() {
  const user = useCurrentUser();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSettled: () => {
        queryClient.clear();
        navigate('/login', { replace: true });
      },
    }),
  );
  // Phones: the navigation folds behind a « Menu » button and folds back after each navigation.
  const [menuOpen, setMenuOpen] = useState(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each navigation (the path changes), reading nothing of it
  useEffect(() => setMenuOpen(false), [location.pathname]);
  // Move focus to the new page's heading so screen readers announce navigation.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on each navigation (the path changes), reading nothing of it
  useEffect(() => {
    document.querySelector<HTMLElement>('main h1')?.focus?.();
  }, [location.pathname]);

  return (
    <div className="shell">
      <a href="#contenu" className="skip-link">
        Aller au contenu
      </a>
      <aside className={`sidebar${menuOpen ? ' sidebar--open' : ''}`}>
        <div className="sidebar-top">
          <div className="brand">
            <span className="brand-mark" aria-hidden="true">
              C
            </span>
            CRM
          </div>
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="menu-principal"
            onClick={() => setMenuOpen((o) => !o)}
          >
            <span aria-hidden="true">☰</span> Menu
          </button>
        </div>
        <SearchLauncher pages={NAV} />
        <nav aria-label="Navigation principale" id="menu-principal">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <NavLink
                  to={n.to}
                  className={() => `nav-link${n.match.test(location.pathname) ? ' active' : ''}`}
                  aria-current={n.match.test(location.pathname) ? 'page' : undefined}
                >
                  <span className="nav-icon" aria-hidden="true">
                    {n.icon}
                  </span>
                  {n.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-user">
          <div className="avatar" aria-hidden="true">
            {displayName(user).slice(0, 1).toUpperCase()}
          </div>
          <div>
            <div className="user-name">{displayName(user)}</div>
            <div className="muted small">{LABELS.role[user.role]}</div>
          </div>
        </div>
        <NotificationBell />
        <div className="sidebar-actions">
          {user.role === 'admin' && (
            <NavLink to="/equipe" className="nav-link small">
              Équipe
            </NavLink>
          )}
          {user.role === 'admin' && (
            <NavLink to="/courriels" className="nav-link small">
              Courriels
            </NavLink>
          )}
          <NavLink to="/integrations" className="nav-link small">
            Intégrations
          </NavLink>
          <NavLink to="/compte/mot-de-passe" className="nav-link small">
            Mot de passe
          </NavLink>
          <button
            type="button"
            className="btn btn--ghost btn--small"
            onClick={() => logout.mutate()}
            disabled={logout.isPending}
          >
            Se déconnecter
          </button>
        </div>
      </aside>
      <main id="contenu" className="content">
        {/* A page's code loads on first visit: the frame stays, « Chargement… » meanwhile, « Réessayer » if it fails. */}
        <ChunkErrorBoundary resetKey={location.pathname}>
          <Suspense fallback={<Loading />}>
            <Outlet />
          </Suspense>
        </ChunkErrorBoundary>
      </main>
    </div>
  );
}
