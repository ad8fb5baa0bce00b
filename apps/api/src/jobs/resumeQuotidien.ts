import type { EntityManager } from '@crm/db';
import type { AppDeps } from '../deps.js';
import type { DigestConfig } from '../config.js';
import { envoyerResumesQuotidiens } from '../services/resumeQuotidien.js';
import { defineJob, type JobDefinition } from './queue.js';

declare module './queue.js' {
  interface JobTypes {
    'notifications.resume': Record<string, never>;
  }
}

/** The day of a digest in its time zone (YYYY-MM-DD). */
export const dayIn = (tz: string, at = new Date()): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(at);

/**
 * The daily digest (DIGEST_SCHEDULE in DIGEST_TZ): pg-boss enqueues it once per tick whatever the
 * number of instances; the `resumes_quotidiens` rows make a retry or a second tick write nothing twice.
 */
export function resumeQuotidienJob(
  digest: DigestConfig & { schedule: string },
): JobDefinition<'notifications.resume', AppDeps> {
  return defineJob<'notifications.resume', AppDeps>({
    name: 'notifications.resume',
    cron: digest.schedule,
    tz: digest.tz,
    retryLimit: 3,
    retryDelay: 300,
    async run(_data, _job, deps) {
      const em = deps.orm.em.fork() as EntityManager;
      await em.transactional((tem) =>
        envoyerResumesQuotidiens(tem, { day: dayIn(digest.tz), publicUrl: deps.config.publicUrl }),
      );
    },
  });
}
