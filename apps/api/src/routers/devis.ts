import { router } from '../trpc.js';

// Filled in by the devis work (see issues); registered in router.ts already.
export const devisRouter = router({});
