import type { AppDeps } from '../deps.js';
import type { EntityManager } from '@crm/db';
import { executeImport } from '../services/imports/execution.js';
import { analysedMapping, analyseFailed, analyseImport } from '../services/imports/index.js';
import { defineJob } from './queue.js';

declare module './queue.js' {
  interface JobTypes {
    'import.analyser': { importId: number };
    'import.executer': { importId: number };
  }
}

/**
 * Checks every row of an uploaded file (services/imports/index.ts `analyseImport`), enqueued by
 * the upload and by a change of the mapping, in their transactions. Idempotent: a retry (worker
 * killed, database hiccup) analyses again; once the retries are spent the import is `echoue` (unless
 * its mapping changed meanwhile: the newer analysis that change queued decides).
 */
export const importAnalyseJob = defineJob<'import.analyser', AppDeps>({
  name: 'import.analyser',
  retryLimit: 2,
  retryDelay: 2,
  expireInSeconds: 10 * 60,
  async run(data, job, deps) {
    const em = deps.orm.em.fork() as EntityManager;
    let mapping: string | null = null;
    try {
      mapping = await analysedMapping(em, data.importId);
      await analyseImport(em, data.importId);
    } catch (err) {
      console.error('import %d (analysis):', data.importId, err);
      if (job.retryCount >= job.retryLimit) await analyseFailed(em, data.importId, mapping);
      throw err;
    }
  },
});

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
