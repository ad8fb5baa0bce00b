import { mergeRouters, router } from './trpc/init.js';
import { authRouter } from './routers/auth.js';
import { usersRouter } from './routers/users.js';
import { clientsRouter } from './routers/clients.js';
import { projetsRouter } from './routers/projets.js';
import { opportunitesRouter } from './routers/opportunites.js';
import { tachesRouter } from './routers/taches.js';
import { devisRouter } from './routers/devis.js';
import { devisActionsRouter } from './routers/devisActions.js';
import { dashboardRouter } from './routers/dashboard.js';
import { rapportsRouter } from './routers/rapports.js';
import { healthRouter } from './routers/health.js';
import { courrielsRouter } from './routers/courriels.js';
import { entrepriseRouter } from './routers/entreprise.js';
import { contactsRouter } from './routers/contacts.js';
import { activitesRouter } from './routers/activites.js';
import { clientTimelineRouter, opportuniteTimelineRouter } from './routers/timeline.js';
import { notificationsRouter } from './routers/notifications.js';
import { rechercheRouter } from './routers/recherche.js';
import { lotsRouter } from './routers/lots.js';
import { clesApiRouter } from './routers/clesApi.js';
import { calendrierRouter } from './routers/calendrier.js';
import { webhooksRouter } from './routers/webhooks.js';
import { importsRouter } from './routers/imports.js';

export const appRouter = router({
  auth: authRouter,
  users: usersRouter,
  clients: mergeRouters(clientsRouter, clientTimelineRouter),
  projets: projetsRouter,
  opportunites: mergeRouters(opportunitesRouter, opportuniteTimelineRouter),
  taches: tachesRouter,
  devis: mergeRouters(devisRouter, devisActionsRouter),
  dashboard: dashboardRouter,
  rapports: rapportsRouter,
  health: healthRouter,
  courriels: courrielsRouter,
  entreprise: entrepriseRouter,
  contacts: contactsRouter,
  activites: activitesRouter,
  notifications: notificationsRouter,
  recherche: rechercheRouter,
  lots: lotsRouter,
  clesApi: clesApiRouter,
  calendrier: calendrierRouter,
  webhooks: webhooksRouter,
  imports: importsRouter,
});

export type AppRouter = typeof appRouter;
