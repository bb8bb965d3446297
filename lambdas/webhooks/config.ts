/**
 * Configuration of the webhooks functions (events consumer and retry consumer), read once per container:
 * the resource names they use and the shared webhook settings (core/webhooks/webhook-settings.ts). A missing
 * resource variable fails the cold start loudly.
 */
import { queueUrlFromEnv, tableNameFromEnv } from '../../core/resource-config.ts';
import { queues } from '../../core/resources.ts';
import { webhookSettingsFromEnv, type WebhookSettings } from '../../core/webhooks/webhook-settings.ts';

export interface WebhooksConfig extends Omit<WebhookSettings, 'secretOverlapSeconds'> {
  readonly tables: { readonly tenants: string; readonly deliveries: string };
  readonly deliveriesQueueUrl: string;
  readonly deliveriesDlqUrl: string;
}

export function loadWebhooksConfig(env: NodeJS.ProcessEnv = process.env): WebhooksConfig {
  const { policy, timeoutMs, endpointCacheMs } = webhookSettingsFromEnv(env);
  return {
    tables: { tenants: tableNameFromEnv('tenants', env), deliveries: tableNameFromEnv('deliveries', env) },
    deliveriesQueueUrl: queueUrlFromEnv(queues.deliveries, env),
    deliveriesDlqUrl: queueUrlFromEnv(queues.deliveriesDlq, env),
    policy,
    timeoutMs,
    endpointCacheMs,
  };
}
