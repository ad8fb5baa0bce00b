import type { AppConfig } from '../config.js';
import type { AppDeps } from '../deps.js';
import { backupJob } from './backup.js';
import type { AnyJobDefinition } from './queue.js';
import { echeancesJob } from './echeances.js';
import { deliverWebhook } from './webhooks.js';

/** Every background job (a module per job in this folder, `defineJob`); handlers get the app's dependencies. */
export const jobDefinitions: AnyJobDefinition<AppDeps>[] = [deliverWebhook as AnyJobDefinition<AppDeps>, echeancesJob as AnyJobDefinition<AppDeps>];

/** The jobs of this configuration: every job, plus the scheduled backup when it has a schedule. */
export function jobsFor(config: AppConfig): AnyJobDefinition<AppDeps>[] {
  return config.backup.schedule ? [...jobDefinitions, backupJob(config.backup.schedule) as AnyJobDefinition<AppDeps>] : jobDefinitions;
}
