import { isValidElement, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate } from 'react-router-dom';
import { NotFoundPage } from './NotFoundPage';
import { RouteError } from './RouteError';
import { lazyPage } from './lazyPage';
import { Loading } from '../components/Status';
import { LoginPage } from '../features/auth/LoginPage';

// The first load is the router, the data layer and the login page. The signed-in frame (frame.tsx:
// session check, then Layout with menu, search, notifications) and each page are chunks fetched
// once the URL needs them (preloadMatched), the frame drawn meanwhile: the login page loads no page
// of the app, the dashboard only its own (chart.js); boards (@dnd-kit), the devis editor… only when
// opened. lazyPage rather than React.lazy: after a failed load, « Réessayer » loads again.
const RequireAuth = lazyPage(() => import('./frame'), 'RequireAuth');
const LazyLayout = lazyPage(() => import('./frame'), 'LazyLayout');
const ChangePasswordPage = lazyPage(() => import('../features/auth/ChangePasswordPage'), 'ChangePasswordPage');
const DashboardPage = lazyPage(() => import('../features/dashboard/DashboardPage'), 'DashboardPage');
const ClientsListPage = lazyPage(() => import('../features/clients/ClientsListPage'), 'ClientsListPage');
const ClientDetailPage = lazyPage(() => import('../features/clients/ClientDetailPage'), 'ClientDetailPage');
const ClientFormPage = lazyPage(() => import('../features/clients/ClientFormPage'), 'ClientFormPage');
const ProjetsListPage = lazyPage(() => import('../features/projets/ProjetsListPage'), 'ProjetsListPage');
const ProjetDetailPage = lazyPage(() => import('../features/projets/ProjetDetailPage'), 'ProjetDetailPage');
const ProjetFormPage = lazyPage(() => import('../features/projets/ProjetFormPage'), 'ProjetFormPage');
const OpportunitesListPage = lazyPage(
  () => import('../features/opportunites/OpportunitesListPage'),
  'OpportunitesListPage',
);
const OpportuniteDetailPage = lazyPage(
  () => import('../features/opportunites/OpportuniteDetailPage'),
  'OpportuniteDetailPage',
);
const OpportuniteFormPage = lazyPage(
  () => import('../features/opportunites/OpportuniteFormPage'),
  'OpportuniteFormPage',
);
const PipelinePage = lazyPage(() => import('../features/opportunites/PipelinePage'), 'PipelinePage');
const TachesListPage = lazyPage(() => import('../features/taches/TachesListPage'), 'TachesListPage');
const TacheFormPage = lazyPage(() => import('../features/taches/TacheFormPage'), 'TacheFormPage');
const TaskBoardPage = lazyPage(() => import('../features/taches/TaskBoardPage'), 'TaskBoardPage');
const DevisListPage = lazyPage(() => import('../features/devis/DevisListPage'), 'DevisListPage');
const DevisEditorPage = lazyPage(() => import('../features/devis/DevisEditorPage'), 'DevisEditorPage');
const UsersPage = lazyPage(() => import('../features/users/UsersPage'), 'UsersPage');
const CourrielsPage = lazyPage(() => import('../features/courriels/CourrielsPage'), 'CourrielsPage');
const IntegrationsPage = lazyPage(() => import('../features/integrations/IntegrationsPage'), 'IntegrationsPage');
const RapportsPage = lazyPage(() => import('../features/rapports/RapportsPage'), 'RapportsPage');
const ImportUploadPage = lazyPage(() => import('../features/imports/ImportPage'), 'ImportUploadPage');
const ImportPage = lazyPage(() => import('../features/imports/ImportPage'), 'ImportPage');

export function makeRouter() {
  const router = createBrowserRouter([
    { path: '/login', element: <LoginPage />, errorElement: <RouteError /> },
    {
      element: <SignedIn />,
      errorElement: <RouteError />,
      children: [
        {
          element: <LazyLayout />,
          children: [
            { index: true, element: <DashboardPage /> },
            { path: 'clients', element: <ClientsListPage /> },
            { path: 'clients/nouveau', element: <ClientFormPage /> },
            { path: 'clients/:id', element: <ClientDetailPage /> },
            { path: 'clients/:id/modifier', element: <ClientFormPage /> },
            { path: 'projets', element: <ProjetsListPage /> },
            { path: 'projets/nouveau', element: <ProjetFormPage /> },
            { path: 'projets/:id', element: <ProjetDetailPage /> },
            { path: 'projets/:id/modifier', element: <ProjetFormPage /> },
            { path: 'opportunites', element: <OpportunitesListPage /> },
            { path: 'opportunites/pipeline', element: <PipelinePage /> },
            { path: 'opportunites/nouvelle', element: <OpportuniteFormPage /> },
            { path: 'opportunites/:id', element: <OpportuniteDetailPage /> },
            { path: 'opportunites/:id/modifier', element: <OpportuniteFormPage /> },
            { path: 'taches', element: <TachesListPage /> },
            { path: 'taches/tableau', element: <TaskBoardPage /> },
            { path: 'taches/nouvelle', element: <TacheFormPage /> },
            { path: 'taches/:id', element: <TacheFormPage /> },
            { path: 'devis', element: <DevisListPage /> },
            { path: 'devis/nouveau', element: <DevisEditorPage /> },
            { path: 'devis/:id', element: <DevisEditorPage /> },
            { path: 'rapports', element: <RapportsPage /> },
            { path: 'imports/nouveau', element: <ImportUploadPage /> },
            { path: 'imports/:id', element: <ImportPage /> },
            { path: 'compte/mot-de-passe', element: <ChangePasswordPage /> },
            { path: 'equipe', element: <UsersPage /> },
            { path: 'courriels', element: <CourrielsPage /> },
            { path: 'integrations', element: <IntegrationsPage /> },
            { path: 'accueil', element: <Navigate to="/" replace /> },
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
  // The code of the page being opened (and of the frame around it) is fetched as soon as the URL is
  // known, beside the session check and each other, rather than one after the other while rendering.
  preloadMatched(router.state.matches);
  router.subscribe((state) => preloadMatched(state.matches));
  return router;
}

/** Route elements are `<Page />`: a lazyPage component (or SignedIn) has a `preload`. */
function preloadMatched(matches: { route: { element?: ReactNode } }[]) {
  for (const { route } of matches) {
    const component = isValidElement(route.element) ? (route.element.type as { preload?: () => void }) : undefined;
    component?.preload?.();
  }
}

/** The signed-in part; until its code is there, the frame index.html paints (brand, « Chargement… »). */
function SignedIn() {
  return (
    <Suspense
      fallback={
        <div className="shell">
          <aside className="sidebar">
            <div className="brand">
              <span className="brand-mark" aria-hidden="true">
                C
              </span>
              CRM
            </div>
          </aside>
          <main className="content">
            <Loading />
          </main>
        </div>
      }
    >
      <RequireAuth />
    </Suspense>
  );
}
SignedIn.preload = RequireAuth.preload;
