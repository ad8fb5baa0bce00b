import { createBrowserRouter, Navigate } from 'react-router-dom';
import { Layout } from './Layout';
import { NotFoundPage } from './NotFoundPage';
import { RequireAuth } from '../features/auth/RequireAuth';
import { LoginPage } from '../features/auth/LoginPage';
import { ChangePasswordPage } from '../features/auth/ChangePasswordPage';
import { DashboardPage } from '../features/dashboard/DashboardPage';
import { ClientsListPage } from '../features/clients/ClientsListPage';
import { ClientDetailPage } from '../features/clients/ClientDetailPage';
import { ClientFormPage } from '../features/clients/ClientFormPage';
import { ProjetsListPage } from '../features/projets/ProjetsListPage';
import { ProjetDetailPage } from '../features/projets/ProjetDetailPage';
import { ProjetFormPage } from '../features/projets/ProjetFormPage';
import { OpportunitesListPage } from '../features/opportunites/OpportunitesListPage';
import { OpportuniteDetailPage } from '../features/opportunites/OpportuniteDetailPage';
import { OpportuniteFormPage } from '../features/opportunites/OpportuniteFormPage';
import { PipelinePage } from '../features/opportunites/PipelinePage';
import { TachesListPage } from '../features/taches/TachesListPage';
import { TacheFormPage } from '../features/taches/TacheFormPage';
import { TaskBoardPage } from '../features/taches/TaskBoardPage';
import { DevisListPage } from '../features/devis/DevisListPage';
import { DevisEditorPage } from '../features/devis/DevisEditorPage';
import { RapportsPage } from '../features/rapports/RapportsPage';

export function makeRouter() {
  return createBrowserRouter([
    { path: '/login', element: <LoginPage /> },
    {
      element: <RequireAuth />,
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
            { path: 'compte/mot-de-passe', element: <ChangePasswordPage /> },
            { path: 'accueil', element: <Navigate to="/" replace /> },
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
}
