import type { AppConfig } from '../config.js';
import type { AppDeps } from '../deps.js';
import { courrielEnvoiJob } from './courrielEnvoi.js';
import type { AnyJobDefinition } from './queue.js';
import { deliverWebhook } from './webhooks.js';

/** A job definition, or one made from the configuration (e.g. timeouts that depend on it). */
export type JobEntry = AnyJobDefinition<AppDeps> | ((config: AppConfig) => AnyJobDefinition<AppDeps>);

/** Every background job (a module per job in this folder, `defineJob`); handlers get the app's dependencies. */
export const jobDefinitions: JobEntry[] = [courrielEnvoiJob, deliverWebhook as AnyJobDefinition<AppDeps>];

export const resolveJobs = (entries: JobEntry[], config: AppConfig): AnyJobDefinition<AppDeps>[] =>
  entries.map((e) => (typeof e === 'function' ? e(config) : e));
