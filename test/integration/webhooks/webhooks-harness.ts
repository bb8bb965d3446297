/**
 * Test harness for the webhooks functions on the emulators: provisioned tables and queues, the real
 * composition (repositories, SQS scheduler, HTTP sender) with a manual clock, an SQS "poller" that feeds
 * queue messages to a handler as Lambda's event source mapping would (deleting what succeeded), and
 * signature verification at the request's own timestamp.
 *
 * Retries wait minutes to hours. The scheduler here enqueues every attempt without an SQS delay and the
 * clock is advanced instead; the consumer still refuses a message whose `notBefore` has not come (it
 * re-delays it), so skipping ahead in time is the only way a retry runs.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { Webhook } from 'standardwebhooks';
import { vi } from 'vitest';
import { SqsQueue } from '../../../core/aws/sqs-queue.ts';
import { openTable } from '../../../core/aws/tables.ts';
import type { Clock } from '../../../core/clock.ts';
import type { AnyEvent, EventData, EventType } from '../../../core/domain/event.ts';
import { newEvent, SqsEventPublisher } from '../../../core/events/event-publisher.ts';
import { createLogger } from '../../../core/logger.ts';
import { queues } from '../../../core/resources.ts';
import { DeliveryRepository } from '../../../core/webhooks/delivery-repository.ts';
import type { DeliveryMessage } from '../../../core/webhooks/delivery.ts';
import { createEndpoint, type EndpointDeps, type NewEndpoint } from '../../../core/webhooks/manage-endpoints.ts';
import type { DeliveryScheduler } from '../../../core/webhooks/ports.ts';
import type { ReplayDeps } from '../../../core/webhooks/replay-deliveries.ts';
import { SqsDeliveryScheduler } from '../../../core/webhooks/sqs-delivery-scheduler.ts';
import type { HostResolver } from '../../../core/webhooks/ssrf-guard.ts';
import { WebhookEndpointRepository } from '../../../core/webhooks/webhook-endpoint-repository.ts';
import { composeWebhooks, type WebhooksRuntime } from '../../../lambdas/webhooks/composition.ts';
import { CountingDeliveryMetrics } from '../../../lambdas/webhooks/delivery-metrics.ts';
import { loadWebhooksConfig } from '../../../lambdas/webhooks/config.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';

export class ManualClock implements Clock {
  constructor(private time: number) {}
  now(): number {
    return this.time;
  }
  monotonic(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Every name resolves to loopback (the receivers run on 127.0.0.1). */
export const loopbackResolver: HostResolver = async () => [{ address: '127.0.0.1', family: 4 }];

export interface WebhooksHarness {
  readonly aws: AwsFixture;
  readonly clock: ManualClock;
  readonly deps: WebhooksRuntime;
  readonly metrics: CountingDeliveryMetrics;
  readonly endpointDeps: EndpointDeps;
  readonly replayDeps: ReplayDeps;
  readonly eventsQueue: SqsQueue;
  readonly deliveriesQueue: SqsQueue;
  readonly deliveriesDlq: SqsQueue;
  publish(...events: AnyEvent[]): Promise<void>;
  event<T extends EventType>(type: T, tenantId: string, sessionId: string | undefined, data: EventData[T]): AnyEvent;
  register(tenantId: string, input: NewEndpoint): Promise<{ id: string; secret: string }>;
  close(): void;
}

export async function webhooksHarness(settings: Record<string, string> = {}): Promise<WebhooksHarness> {
  const aws = await provisionedAws({ slotCount: 1 });
  const env: Record<string, string> = {
    ...aws.env,
    WEBHOOK_REQUIRE_HTTPS: 'false',
    WEBHOOK_ALLOW_LOOPBACK: 'true',
    WEBHOOK_ENDPOINT_CACHE_SECONDS: '0',
    WEBHOOK_TIMEOUT_MS: '1000',
    ...settings,
  };
  const clock = new ManualClock(Date.now());
  const logger = createLogger('webhooks-test');
  const metrics = new CountingDeliveryMetrics();
  const real = composeWebhooks(loadWebhooksConfig(env), logger, { clients: aws.clients, clock, random: () => 0.5, resolve: loopbackResolver, metrics });
  const deliveriesQueue = new SqsQueue(aws.clients.sqs, env[queues.deliveries.envVar]!);
  const deliveriesDlq = new SqsQueue(aws.clients.sqs, env[queues.deliveriesDlq.envVar]!);
  const scheduler = new WithoutSqsDelay(new SqsDeliveryScheduler(deliveriesQueue, deliveriesDlq));
  const deps: WebhooksRuntime = { ...real, scheduler };
  const endpointStore = new WebhookEndpointRepository(openTable(aws.clients.doc, 'tenants', env), clock);
  const endpointDeps: EndpointDeps = {
    endpoints: endpointStore,
    policy: { requireHttps: false, allowLoopback: true },
    resolve: loopbackResolver,
    clock,
    secretOverlapSeconds: 24 * 3600,
  };
  const replayDeps: ReplayDeps = { deliveries: new DeliveryRepository(openTable(aws.clients.doc, 'deliveries', env), clock), scheduler, clock };
  const eventsQueue = new SqsQueue(aws.clients.sqs, env[queues.events.envVar]!);
  const publisher = new SqsEventPublisher(eventsQueue);
  return {
    aws,
    clock,
    deps,
    metrics,
    endpointDeps,
    replayDeps,
    eventsQueue,
    deliveriesQueue,
    deliveriesDlq,
    publish: (...events) => publisher.publish(events),
    event: (type, tenantId, sessionId, data) => newEvent(type, { tenantId, sessionId }, data, clock) as AnyEvent,
    register: async (tenantId, input) => {
      const created = await createEndpoint(endpointDeps, tenantId, input);
      return { id: created.id, secret: created.secret };
    },
    close: () => aws.close(),
  };
}

/** The real scheduler, minus SQS's delay: tests move the clock instead of waiting. */
class WithoutSqsDelay implements DeliveryScheduler {
  constructor(private readonly inner: SqsDeliveryScheduler) {}
  schedule(message: DeliveryMessage): Promise<void> {
    return this.inner.schedule(message, message.notBefore);
  }
  scheduleMany(messages: readonly DeliveryMessage[]): Promise<void> {
    return this.inner.scheduleMany(messages, Math.max(...messages.map((m) => m.notBefore)));
  }
  deadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    return this.inner.deadLetter(message, reason);
  }
}

export type BatchHandler = (event: SQSEvent) => Promise<SQSBatchResponse>;

/**
 * One generation of a queue, as Lambda's event source mapping would see it: receives every visible message
 * (up to `max`), hands them to the handler in batches of 10, and deletes the records the handler did not
 * report as failed. Messages the handler enqueues meanwhile wait for the next call.
 */
export async function pollOnce(queue: SqsQueue, handler: BatchHandler, max = 100): Promise<{ processed: number; failed: string[] }> {
  const received = [];
  while (received.length < max) {
    const messages = await queue.receive({ maxMessages: 10, waitSeconds: 0, visibilityTimeoutSeconds: 60 });
    if (messages.length === 0) break;
    received.push(...messages);
  }
  const failed: string[] = [];
  for (let start = 0; start < received.length; start += 10) {
    const batch = received.slice(start, start + 10);
    const response = await handler({ Records: batch.map((m) => sqsRecord(m.messageId, m.receiptHandle, m.body, m.receiveCount)) });
    const failures = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    const done = batch.filter((m) => !failures.has(m.messageId));
    if (done.length) await queue.deleteMany(done.map((m) => m.receiptHandle));
    failed.push(...failures);
  }
  return { processed: received.length, failed };
}

export function sqsRecord(messageId: string, receiptHandle: string, body: string, receiveCount = 1): SQSRecord {
  return {
    messageId,
    receiptHandle,
    body,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: String(Date.now()),
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:test',
    awsRegion: 'us-east-1',
  };
}

/** Verifies a received request with the standardwebhooks library, at the request's own timestamp. */
export function verifyAtItsTime(secret: string, request: { body: string; headers: Record<string, string> }): unknown {
  const at = Number(request.headers['webhook-timestamp']) * 1000;
  vi.useFakeTimers({ toFake: ['Date'], now: at });
  try {
    return new Webhook(secret).verify(request.body, request.headers);
  } finally {
    vi.useRealTimers();
  }
}
