/**
 * Events queue consumer (D7): each record is one event envelope published by a runner, the API or the
 * scheduler; it fans out to the tenant's matching webhook endpoints (core/webhooks/fan-out-event.ts).
 * Receiver failures become scheduled retries; only a store or queue fault (or a malformed envelope, which
 * ends in the events DLQ) fails a record, and only that record, through a partial batch response.
 *
 * Copies of one event in one batch (a publisher that sent it twice, e.g. an alarm SNS delivered twice) are
 * delivered once: the later copies share the first one's outcome. A copy in a later batch is told apart by
 * the delivery item (see core/webhooks/fan-out-event.ts).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { AnyEvent } from '../../core/domain/event.ts';
import { eventDataIssues, parseEventEnvelope } from '../../core/domain/event-schemas.ts';
import { createLogger } from '../../core/logger.ts';
import { applyOptOut } from '../../core/campaigns/opt-out.ts';
import { fanOutEvent } from '../../core/webhooks/fan-out-event.ts';
import { composeWebhooks, type WebhooksRuntime } from './composition.ts';
import { loadWebhooksConfig } from './config.ts';
import { processSqsBatch } from './sqs-batch.ts';

const logger = createLogger('webhooks');
let composed: WebhooksRuntime | undefined;

/** Processes one batch of the events queue with the given dependencies (the bare function, for tests). */
export async function handleEvents(deps: WebhooksRuntime, event: SQSEvent, context?: Context): Promise<SQSBatchResponse> {
  try {
    const inBatch = new Map<string, Promise<void>>();
    return await processSqsBatch(event, (record) => handleEventRecord(deps, record, inBatch), logger, context);
  } finally {
    deps.metrics.flush();
  }
}

async function handleEventRecord(deps: WebhooksRuntime, record: SQSRecord, inBatch: Map<string, Promise<void>>): Promise<void> {
  const envelope = parseEventEnvelope(JSON.parse(record.body));
  const key = `${envelope.tenantId}#${envelope.id}`;
  const first = inBatch.get(key);
  if (first) return first;
  const handled = deliverEvent(deps, envelope, Number(record.attributes.ApproximateReceiveCount) > 1);
  inBatch.set(key, handled);
  return handled;
}

async function deliverEvent(deps: WebhooksRuntime, envelope: AnyEvent, redelivered: boolean): Promise<void> {
  const issues = eventDataIssues(envelope);
  if (issues.length) logger.warn('webhook.event_data_mismatch', { eventId: envelope.id, type: envelope.type, fields: issues });
  // Campaign opt-out (STOP, ...): suppress the sender before anything else; a no-op for every other event.
  await applyOptOut(envelope, deps.optOut);
  await fanOutEvent(deps, envelope, { redelivered });
}

export const handler = middy((event: SQSEvent, context: Context) => {
  composed ??= composeWebhooks(loadWebhooksConfig(), logger);
  return handleEvents(composed, event, context);
}).use(injectLambdaContext(logger));
