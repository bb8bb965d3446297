import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SqsQueue } from '../../../core/aws/sqs-queue.ts';
import type { AnyEvent } from '../../../core/domain/event.ts';
import { deliveryIdFor, deliveryMessageSchema } from '../../../core/webhooks/delivery.ts';
import { getDelivery } from '../../../core/webhooks/replay-deliveries.ts';
import { MAX_ATTEMPTS } from '../../../core/webhooks/retry-schedule.ts';
import { processDeliveryMessage, messageFor } from '../../../core/webhooks/run-delivery-attempt.ts';
import { SqsDeliveryScheduler } from '../../../core/webhooks/sqs-delivery-scheduler.ts';
import { handleEvents } from '../../../lambdas/webhooks/handler.ts';
import { handleDeliveries } from '../../../lambdas/webhooks/retry.handler.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { pollOnce, sqsRecord, verifyAtItsTime, webhooksHarness, type WebhooksHarness } from './webhooks-harness.ts';

const HOUR = 3_600_000;

describe('webhook retries', () => {
  let h: WebhooksHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    [h, receiver] = await Promise.all([webhooksHarness(), startWebhookReceiver()]);
  });
  afterAll(async () => {
    await receiver.close();
    h.close();
  });
  beforeEach(async () => {
    receiver.requests.length = 0;
    receiver.behave(() => undefined);
    // Each test starts with empty queues.
    const leftovers = await h.deliveriesQueue.receive({ maxMessages: 10, waitSeconds: 0 });
    if (leftovers.length) await h.deliveriesQueue.deleteMany(leftovers.map((m) => m.receiptHandle));
  });

  const drainEvents = () => pollOnce(h.eventsQueue, (event) => handleEvents(h.deps, event));
  const drainRetries = () => pollOnce(h.deliveriesQueue, (event) => handleDeliveries(h.deps, event));

  async function deliver(tenant: string): Promise<{ event: AnyEvent; endpointId: string; secret: string; deliveryId: string }> {
    const { id: endpointId, secret } = await h.register(tenant, { url: receiver.url });
    const event = h.event('message.status', tenant, 's1', { messageId: 'cmd-1', status: 'sent' });
    await h.publish(event);
    await drainEvents();
    return { event, endpointId, secret, deliveryId: deliveryIdFor(event, endpointId) };
  }

  it('retries a failing receiver with backoff until it answers, with the same webhook-id each time', async () => {
    receiver.behave((_req, n) => (n < 3 ? { status: 500, body: 'down' } : { status: 200 }));
    const { failed: failedBefore, succeeded: succeededBefore } = h.metrics;
    const { secret, deliveryId } = await deliver('tenant-flaky');
    expect(receiver.requests).toHaveLength(1);

    // Too early: the retry is due ~5 s after the failure; the message goes back and nothing is sent.
    await drainRetries();
    expect(receiver.requests).toHaveLength(1);

    for (const wait of [6_000, 6 * 60_000, 36 * 60_000]) {
      h.clock.advance(wait);
      await drainRetries();
    }

    expect(receiver.requests).toHaveLength(4);
    expect(h.metrics.failed - failedBefore).toBe(3);
    expect(h.metrics.succeeded - succeededBefore).toBe(1);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([deliveryId]));
    for (const request of receiver.requests) expect(verifyAtItsTime(secret, request)).toMatchObject({ type: 'message.status' });
    const delivery = await getDelivery(h.replayDeps, 'tenant-flaky', deliveryId);
    expect(delivery).toMatchObject({ status: 'succeeded', attemptCount: 4, cycle: 1 });
    expect(delivery.attempts.map((a) => a.statusCode)).toEqual([500, 500, 500, 200]);
    expect(delivery.attempts[0]?.responseExcerpt).toBe('down');
    h.clock.advance(24 * HOUR);
    await drainRetries();
    expect(receiver.requests).toHaveLength(4);
  });

  it('gives up after the last attempt, marks the delivery failed and dead-letters a copy', async () => {
    receiver.behave(() => ({ status: 503 }));
    const { deliveryId } = await deliver('tenant-down');
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      h.clock.advance(12 * HOUR);
      await drainRetries();
    }
    h.clock.advance(12 * HOUR);
    await drainRetries();

    expect(receiver.requests).toHaveLength(MAX_ATTEMPTS);
    const delivery = await getDelivery(h.replayDeps, 'tenant-down', deliveryId);
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: MAX_ATTEMPTS, lastStatusCode: 503 });
    expect(delivery.nextAttemptAt).toBeUndefined();
    const dead = await h.deliveriesDlq.receive({ waitSeconds: 0 });
    expect(dead).toHaveLength(1);
    expect(JSON.parse(dead[0]!.body)).toMatchObject({ deliveryId, attempt: MAX_ATTEMPTS, reason: 'http_error' });
    expect(await h.deliveriesQueue.depth()).toMatchObject({ visible: 0, delayed: 0 });
  });

  it('does not retry a 4xx rejection, and disables the endpoint on 410 Gone', async () => {
    receiver.behave(() => ({ status: 422 }));
    const rejected = await deliver('tenant-rejects');
    receiver.behave(() => ({ status: 410 }));
    const gone = await deliver('tenant-gone');
    h.clock.advance(HOUR);
    await drainRetries();

    expect(receiver.requests).toHaveLength(2);
    expect(await getDelivery(h.replayDeps, 'tenant-rejects', rejected.deliveryId)).toMatchObject({ status: 'failed', attemptCount: 1, lastStatusCode: 422 });
    expect(await getDelivery(h.replayDeps, 'tenant-gone', gone.deliveryId)).toMatchObject({ status: 'failed', lastStatusCode: 410 });
    expect(await h.endpointDeps.endpoints.get('tenant-gone', gone.endpointId)).toMatchObject({ enabled: false, disabledReason: 'receiver_answered_410_gone' });
    expect(await h.endpointDeps.endpoints.get('tenant-rejects', rejected.endpointId)).toMatchObject({ enabled: true });
  });

  it('sends one request for a duplicated retry message', async () => {
    receiver.behave((_req, n) => (n === 0 ? { status: 500 } : { status: 200 }));
    const { deliveryId } = await deliver('tenant-dup-retry');
    const [queued] = await h.deliveriesQueue.receive({ waitSeconds: 0 });
    const message = deliveryMessageSchema.parse(JSON.parse(queued!.body));
    h.clock.advance(10_000);

    const batch = { Records: [sqsRecord('a', 'ra', queued!.body), sqsRecord('b', 'rb', queued!.body)] };
    const [first, second] = await Promise.all([handleDeliveries(h.deps, batch), handleDeliveries(h.deps, { Records: [sqsRecord('c', 'rc', queued!.body)] })]);
    await h.deliveriesQueue.delete(queued!.receiptHandle);

    expect(message.attempt).toBe(2);
    expect(first.batchItemFailures).toEqual([]);
    expect(second.batchItemFailures).toEqual([]);
    expect(receiver.requests).toHaveLength(2);
    expect(await getDelivery(h.replayDeps, 'tenant-dup-retry', deliveryId)).toMatchObject({ status: 'succeeded', attemptCount: 2 });
  });

  it.each([
    { copy: 'a redelivery of the event (receive count 2)', receiveCount: 2, requests: 2 },
    // A first-receive copy is not looked up first: it re-sends attempt 1 under the same webhook-id, finds the
    // item there, and the item decides.
    { copy: 'a first-receive copy of the event', receiveCount: 1, requests: 3 },
  ])('repairs a cycle whose next attempt was recorded but never enqueued, on $copy', async ({ receiveCount, requests }) => {
    const tenant = `tenant-crash-${receiveCount}`;
    receiver.behave((_req, n) => (n === 0 ? { status: 500 } : { status: 200 }));
    const { event, deliveryId, endpointId } = await deliver(tenant);
    // Simulate a crash between "record attempt 1" and "enqueue attempt 2": drop the retry, forget it was scheduled.
    const lost = await h.deliveriesQueue.receive({ waitSeconds: 0 });
    await h.deliveriesQueue.deleteMany(lost.map((m) => m.receiptHandle));
    const record = (await h.replayDeps.deliveries.get(tenant, deliveryId))!;
    await h.aws.clients.doc.send(
      new UpdateCommand({
        TableName: h.aws.env.DELIVERIES_TABLE,
        Key: { pk: tenant, sk: `DELIVERY#${deliveryId}` },
        UpdateExpression: 'SET scheduledAttempt = :one',
        ExpressionAttributeValues: { ':one': record.attemptCount },
      }),
    );

    // SQS hands the event out again (its record was never deleted in the crash).
    await handleEvents(h.deps, { Records: [sqsRecord('again', 'r', JSON.stringify(event), receiveCount)] });
    h.clock.advance(10_000);
    await drainRetries();

    expect(receiver.requests).toHaveLength(requests);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([deliveryIdFor(event, endpointId)]));
    expect(await getDelivery(h.replayDeps, tenant, deliveryId)).toMatchObject({ status: 'succeeded', attemptCount: 2 });
  });

  it('hops a wait longer than SQS allows: an early message goes back with the remaining delay', async () => {
    const queue = new SqsQueue(h.aws.clients.sqs, h.deliveriesQueue.url);
    const realDeps = { ...h.deps, scheduler: new SqsDeliveryScheduler(queue, h.deliveriesDlq) };
    const early = messageFor({ tenantId: 't', id: 'd', cycle: 1 }, 5, h.clock.now() + 2 * HOUR);

    expect(await processDeliveryMessage(realDeps, early)).toBe('redelayed');

    expect(await queue.depth()).toMatchObject({ visible: 0, delayed: 1 });
  });
});
