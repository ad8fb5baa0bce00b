import { lazy } from 'react';
import { createBrowserRouter, Navigate } from 'react-router-dom';
import { Layout } from './Layout';
import { NotFoundPage } from './NotFoundPage';
import { RouteError } from './RouteError';
import { RequireAuth } from '../features/auth/RequireAuth';
import { LoginPage } from '../features/auth/LoginPage';

// Feature pages load on first visit (Layout shows a spinner meanwhile): the login page stays light.
const ChangePasswordPage = lazy(() => import('../features/auth/ChangePasswordPage').then((m) => ({ default: m.ChangePasswordPage })));
const DashboardPage = lazy(() => import('../features/dashboard/DashboardPage').then((m) => ({ default: m.DashboardPage })));
const ClientsListPage = lazy(() => import('../features/clients/ClientsListPage').then((m) => ({ default: m.ClientsListPage })));
const ClientDetailPage = lazy(() => import('../features/clients/ClientDetailPage').then((m) => ({ default: m.ClientDetailPage })));
const ClientFormPage = lazy(() => import('../features/clients/ClientFormPage').then((m) => ({ default: m.ClientFormPage })));
const ProjetsListPage = lazy(() => import('../features/projets/ProjetsListPage').then((m) => ({ default: m.ProjetsListPage })));
const ProjetDetailPage = lazy(() => import('../features/projets/ProjetDetailPage').then((m) => ({ default: m.ProjetDetailPage })));
const ProjetFormPage = lazy(() => import('../features/projets/ProjetFormPage').then((m) => ({ default: m.ProjetFormPage })));
const OpportunitesListPage = lazy(() => import('../features/opportunites/OpportunitesListPage').then((m) => ({ default: m.OpportunitesListPage })));
const OpportuniteDetailPage = lazy(() => import('../features/opportunites/OpportuniteDetailPage').then((m) => ({ default: m.OpportuniteDetailPage })));
const OpportuniteFormPage = lazy(() => import('../features/opportunites/OpportuniteFormPage').then((m) => ({ default: m.OpportuniteFormPage })));
const PipelinePage = lazy(() => import('../features/opportunites/PipelinePage').then((m) => ({ default: m.PipelinePage })));
const TachesListPage = lazy(() => import('../features/taches/TachesListPage').then((m) => ({ default: m.TachesListPage })));
const TacheFormPage = lazy(() => import('../features/taches/TacheFormPage').then((m) => ({ default: m.TacheFormPage })));
const TaskBoardPage = lazy(() => import('../features/taches/TaskBoardPage').then((m) => ({ default: m.TaskBoardPage })));
const DevisListPage = lazy(() => import('../features/devis/DevisListPage').then((m) => ({ default: m.DevisListPage })));
const DevisEditorPage = lazy(() => import('../features/devis/DevisEditorPage').then((m) => ({ default: m.DevisEditorPage })));
const UsersPage = lazy(() => import('../features/users/UsersPage').then((m) => ({ default: m.UsersPage })));
const CourrielsPage = lazy(() => import('../features/courriels/CourrielsPage').then((m) => ({ default: m.CourrielsPage })));
const IntegrationsPage = lazy(() => import('../features/integrations/IntegrationsPage').then((m) => ({ default: m.IntegrationsPage })));
const RapportsPage = lazy(() => import('../features/rapports/RapportsPage').then((m) => ({ default: m.RapportsPage })));
const ImportUploadPage = lazy(() => import('../features/imports/ImportPage').then((m) => ({ default: m.ImportUploadPage })));
const ImportPage = lazy(() => import('../features/imports/ImportPage').then((m) => ({ default: m.ImportPage })));

export function makeRouter() {
  return createBrowserRouter([
    { path: '/login', element: <LoginPage />, errorElement: <RouteError /> },
    {
      element: <RequireAuth />,
      errorElement: <RouteError />,
      children: [
        {
          element: <Layout />,
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
}
