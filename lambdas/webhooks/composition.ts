/**
 * The one composition spot of the webhooks functions: real adapters (DynamoDB repositories, SQS scheduler,
 * hardened HTTP sender, cached endpoint directory) wired into the delivery use-cases. Built once per
 * container, lazily on the first invocation, so the local stack may set the environment before it runs.
 */
import type { AwsClients } from '../../core/aws/clients.ts';
import { createDynamoClients } from '../../core/aws/dynamo-clients.ts';
import { createSqsClient } from '../../core/aws/sqs-client.ts';
import { DynamoTable } from '../../core/aws/dynamo-table.ts';
import { SqsQueue } from '../../core/aws/sqs-queue.ts';
import { systemClock, type Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { tables } from '../../core/resources.ts';
import type { OptOutDeps } from '../../core/campaigns/opt-out.ts';
import { CachedEndpointDirectory } from '../../core/webhooks/endpoint-directory.ts';
import { DeliveryRepository } from '../../core/webhooks/delivery-repository.ts';
import { HttpWebhookSender } from '../../core/webhooks/http-webhook-sender.ts';
import type { DeliveryDeps } from '../../core/webhooks/run-delivery-attempt.ts';
import { SqsDeliveryScheduler } from '../../core/webhooks/sqs-delivery-scheduler.ts';
import type { HostResolver } from '../../core/webhooks/ssrf-guard.ts';
import { WebhookEndpointRepository } from '../../core/webhooks/webhook-endpoint-repository.ts';
import type { WebhooksConfig } from './config.ts';
import { PowertoolsDeliveryMetrics, type FlushableDeliveryMetrics } from './delivery-metrics.ts';

export interface WebhooksOverrides {
  readonly clients?: Pick<AwsClients, 'doc' | 'sqs'>;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly resolve?: HostResolver;
  readonly metrics?: FlushableDeliveryMetrics;
}

/** The delivery use-cases' dependencies, with metrics the handlers flush after each batch. */
export interface WebhooksRuntime extends DeliveryDeps {
  readonly metrics: FlushableDeliveryMetrics;
  /** Inbound opt-out keywords put the sender on the tenant's suppression list (core/campaigns/opt-out.ts). */
  readonly optOut: OptOutDeps;
}

/** An attempt's claim outlives the send deadline generously and ends well before SQS redelivers (60 s). */
const CLAIM_MARGIN_MS = 20_000;

export function composeWebhooks(config: WebhooksConfig, logger: Logger, overrides: WebhooksOverrides = {}): WebhooksRuntime {
  // Only the SDK clients the delivery functions use: the bundle (and so the cold start) leaves S3 out.
  const clients = overrides.clients ?? { doc: createDynamoClients().doc, sqs: createSqsClient() };
  const clock = overrides.clock ?? systemClock;
  const endpointStore = new WebhookEndpointRepository(new DynamoTable(clients.doc, config.tables.tenants, tables.tenants), clock);
  return {
    endpoints: new CachedEndpointDirectory(endpointStore, { ttlMs: config.endpointCacheMs }),
    deliveries: new DeliveryRepository(new DynamoTable(clients.doc, config.tables.deliveries, tables.deliveries), clock),
    scheduler: new SqsDeliveryScheduler(new SqsQueue(clients.sqs, config.deliveriesQueueUrl), new SqsQueue(clients.sqs, config.deliveriesDlqUrl)),
    sender: new HttpWebhookSender({ policy: config.policy, timeoutMs: config.timeoutMs, resolve: overrides.resolve }),
    clock,
    random: overrides.random ?? Math.random,
    logger,
    metrics: overrides.metrics ?? new PowertoolsDeliveryMetrics(),
    claimMs: config.timeoutMs + CLAIM_MARGIN_MS,
    optOut: { tenants: new DynamoTable(clients.doc, config.tables.tenants, tables.tenants), clock },
  };
}
