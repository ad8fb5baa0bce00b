import { router } from '../trpc.js';

// Filled in by the rapports work (see issues); registered in router.ts already.
export const rapportsRouter = router({});
