import { router } from '../trpc.js';

// Filled in by the opportunites work (see issues); registered in router.ts already.
export const opportunitesRouter = router({});
