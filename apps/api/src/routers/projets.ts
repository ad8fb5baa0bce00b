import { router } from '../trpc.js';

// Filled in by the projets work (see issues); registered in router.ts already.
export const projetsRouter = router({});
