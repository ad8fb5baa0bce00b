import { router } from '../trpc.js';

// Filled in by the dashboard work (see issues); registered in router.ts already.
export const dashboardRouter = router({});
