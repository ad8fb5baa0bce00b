import type { AppDeps } from '../deps.js';
import { executeImport } from '../services/imports/execution.js';
import { defineJob } from './queue.js';

declare module './queue.js' {
  interface JobTypes {
    'import.executer': { importId: number };
  }
}

/**
 * Writes a validated import (services/imports/execution.ts), enqueued by `POST /imports/{id}/valider/`
 * in the transaction that queues the import. A failure is recorded on the import (`echoue`, nothing
 * written) rather than retried; a worker killed mid-import leaves it `en_cours` with its transaction
 * rolled back, and the one retry after `expireInSeconds` starts it over.
 */
export const importJob = defineJob<'import.executer', AppDeps>({
  name: 'import.executer',
  retryLimit: 1,
  retryDelay: 5,
  expireInSeconds: 15 * 60,
  async run(data, _job, deps) {
    await executeImport(deps, data.importId, (err) => console.error('import %d:', data.importId, err));
  },
});
