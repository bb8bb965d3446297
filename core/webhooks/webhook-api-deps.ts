/**
 * What the API function needs for the `/v1/webhooks` routes, and how to build it once per container: the
 * endpoint store and SSRF policy for endpoint management, the delivery log and the deliveries queue for
 * listing and replay. The API's composition calls `buildWebhookApiDeps` with its clients.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoTable } from '../aws/dynamo-table.ts';
import { SqsQueue } from '../aws/sqs-queue.ts';
import type { Clock } from '../clock.ts';
import { queueUrlFromEnv, tableNameFromEnv } from '../resource-config.ts';
import { queues, tables } from '../resources.ts';
import { DeliveryRepository } from './delivery-repository.ts';
import { systemResolver } from './http-webhook-sender.ts';
import type { EndpointDeps } from './manage-endpoints.ts';
import type { ReplayDeps } from './replay-deliveries.ts';
import { SqsDeliveryScheduler } from './sqs-delivery-scheduler.ts';
import type { HostResolver } from './ssrf-guard.ts';
import { WebhookEndpointRepository } from './webhook-endpoint-repository.ts';
import { webhookSettingsFromEnv, type WebhookSettings } from './webhook-settings.ts';

export interface WebhookApiConfig {
  readonly tenantsTable: string;
  readonly deliveriesTable: string;
  readonly deliveriesQueueUrl: string;
  readonly settings: WebhookSettings;
}

export interface WebhookApiDeps {
  readonly endpoints: EndpointDeps;
  readonly deliveries: ReplayDeps;
}

export function webhookApiConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookApiConfig {
  return {
    tenantsTable: tableNameFromEnv('tenants', env),
    deliveriesTable: tableNameFromEnv('deliveries', env),
    deliveriesQueueUrl: queueUrlFromEnv(queues.deliveries, env),
    settings: webhookSettingsFromEnv(env),
  };
}

export function buildWebhookApiDeps(
  config: WebhookApiConfig,
  clients: { readonly doc: DynamoDBDocumentClient; readonly sqs: SQSClient },
  clock: Clock,
  resolve: HostResolver = systemResolver,
): WebhookApiDeps {
  const endpointStore = new WebhookEndpointRepository(new DynamoTable(clients.doc, config.tenantsTable, tables.tenants), clock);
  return {
    endpoints: {
      endpoints: endpointStore,
      policy: config.settings.policy,
      resolve,
      clock,
      secretOverlapSeconds: config.settings.secretOverlapSeconds,
    },
    deliveries: {
      deliveries: new DeliveryRepository(new DynamoTable(clients.doc, config.deliveriesTable, tables.deliveries), clock),
      scheduler: new SqsDeliveryScheduler(new SqsQueue(clients.sqs, config.deliveriesQueueUrl)),
      clock,
    },
  };
}
