/**
 * `webhook-deliveries` queue consumer: each record schedules one attempt of one delivery (an event to an
 * endpoint). Early messages (waits beyond SQS's 15-minute delay) go back with the remaining delay;
 * duplicates and messages of finished cycles are dropped by the delivery item's state
 * (core/webhooks/run-delivery-attempt.ts).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { createLogger } from '../../core/logger.ts';
import { deliveryMessageSchema } from '../../core/webhooks/delivery.ts';
import { processDeliveryMessage, type DeliveryDeps } from '../../core/webhooks/run-delivery-attempt.ts';
import { composeWebhooks, type WebhooksRuntime } from './composition.ts';
import { loadWebhooksConfig } from './config.ts';
import { processSqsBatch } from './sqs-batch.ts';

const logger = createLogger('webhooks-retry');
let composed: WebhooksRuntime | undefined;

/** Processes one batch of the deliveries queue with the given dependencies (the bare function, for tests). */
export async function handleDeliveries(deps: WebhooksRuntime, event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  try {
    return await processSqsBatch(event, (record) => handleDeliveryRecord(deps, record), logger, context);
  } finally {
    deps.metrics.flush();
  }
}

async function handleDeliveryRecord(deps: DeliveryDeps, record: SQSRecord): Promise<void> {
  const message = deliveryMessageSchema.parse(JSON.parse(record.body));
  const outcome = await processDeliveryMessage(deps, message);
  if (outcome === 'stale' || outcome === 'busy') {
    logger.debug('webhook.message_dropped', { deliveryId: message.deliveryId, cycle: message.cycle, attempt: message.attempt, outcome });
  }
}

export const handler = middy((event: SQSEvent, context: Context) => {
  composed ??= composeWebhooks(loadWebhooksConfig(), logger);
  return handleDeliveries(composed, event, context);
}).use(injectLambdaContext(logger));
