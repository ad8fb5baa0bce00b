import type { AppDeps } from '../deps.js';
import type { AnyJobDefinition } from './queue.js';
import { deliverWebhook } from './webhooks.js';

/** Every background job (a module per job in this folder, `defineJob`); handlers get the app's dependencies. */
export const jobDefinitions: AnyJobDefinition<AppDeps>[] = [deliverWebhook as AnyJobDefinition<AppDeps>];
