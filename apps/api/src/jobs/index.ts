import type { AppConfig } from '../config.js';
import type { AppDeps } from '../deps.js';
import { backupJob } from './backup.js';
import { courrielEnvoiJob } from './courrielEnvoi.js';
import type { AnyJobDefinition } from './queue.js';
import { echeancesJob } from './echeances.js';
import { resumeQuotidienJob } from './resumeQuotidien.js';
import { deliverWebhook } from './webhooks.js';
import { importAnalyseJob, importJob } from './imports.js';

/** Every background job (a module per job in this folder, `defineJob`); handlers get the app's dependencies. */
export const jobDefinitions: AnyJobDefinition<AppDeps>[] = [
  deliverWebhook as AnyJobDefinition<AppDeps>,
  echeancesJob as AnyJobDefinition<AppDeps>,
  importAnalyseJob as AnyJobDefinition<AppDeps>,
  importJob as AnyJobDefinition<AppDeps>,
];

/**
 * The jobs of this configuration: every job, mail delivery (its timeouts follow the SMTP settings),
 * the daily digest unless switched off, plus the scheduled backup when it has a schedule.
 */
export function jobsFor(config: AppConfig): AnyJobDefinition<AppDeps>[] {
  const jobs = [...jobDefinitions, courrielEnvoiJob(config) as AnyJobDefinition<AppDeps>];
  const { schedule, tz } = config.digest;
  if (schedule) jobs.push(resumeQuotidienJob({ schedule, tz }) as AnyJobDefinition<AppDeps>);
  return config.backup.schedule ? [...jobs, backupJob(config.backup.schedule) as AnyJobDefinition<AppDeps>] : jobs;
}
