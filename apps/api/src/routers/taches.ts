import { router } from '../trpc.js';

// Filled in by the taches work (see issues); registered in router.ts already.
export const tachesRouter = router({});
