import { router } from '../trpc.js';

// Devis documents and sending (PDF, envoyer by SMTP): merged into the `devis` namespace in router.ts.
export const devisActionsRouter = router({});
