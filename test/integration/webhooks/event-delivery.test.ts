import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../core/domain/event.ts';
import { deliveryIdFor } from '../../../core/webhooks/delivery.ts';
import { listDeliveries } from '../../../core/webhooks/replay-deliveries.ts';
import { rotateEndpointSecret } from '../../../core/webhooks/manage-endpoints.ts';
import { handleEvents } from '../../../lambdas/webhooks/handler.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { pollOnce, sqsRecord, verifyAtItsTime, webhooksHarness, type WebhooksHarness } from './webhooks-harness.ts';

describe('events queue -> signed webhooks', () => {
  let h: WebhooksHarness;
  let receiver: WebhookReceiver;
  let other: WebhookReceiver;

  beforeAll(async () => {
    [h, receiver, other] = await Promise.all([webhooksHarness(), startWebhookReceiver(), startWebhookReceiver()]);
  });
  afterAll(async () => {
    await Promise.all([receiver.close(), other.close()]);
    h.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    other.requests.length = 0;
    receiver.behave(() => undefined);
    other.behave(() => undefined);
  });

  const drainEvents = () => pollOnce(h.eventsQueue, (event) => handleEvents(h.deps, event));

  it('delivers a whole session life to the tenant, signed and verifiable, once each', async () => {
    const tenant = 'tenant-life';
    const { id: endpointId, secret } = await h.register(tenant, { url: receiver.url });
    const life: AnyEvent[] = [
      h.event('session.status', tenant, 's1', { status: 'connecting', previousStatus: 'created' }),
      h.event('session.qr', tenant, 's1', { qr: '2@abc,def,ghi', expiresAt: new Date(h.clock.now() + 60_000).toISOString() }),
      h.event('session.status', tenant, 's1', { status: 'open', previousStatus: 'qr', phoneNumber: '4915112345678' }),
      h.event('message.received', tenant, 's1', {
        waMessageId: 'ABCD1234',
        from: '4915112345678@s.whatsapp.net',
        chat: '4915112345678@s.whatsapp.net',
        timestamp: new Date(h.clock.now()).toISOString(),
        type: 'text',
        text: 'hello',
      }),
      h.event('message.status', tenant, 's1', { messageId: '01JCMD0000000000000000000A', status: 'delivered', to: '4915112345678' }),
    ];
    await h.publish(...life);

    const result = await drainEvents();

    expect(result).toEqual({ processed: 5, failed: [] });
    expect(receiver.requests).toHaveLength(5);
    const delivered = receiver.requests.map((request) => verifyAtItsTime(secret, request) as AnyEvent);
    expect(delivered.map((event) => event.id).sort()).toEqual(life.map((event) => event.id).sort());
    for (const request of receiver.requests) {
      const event = JSON.parse(request.body) as AnyEvent;
      expect(request.headers['webhook-id']).toBe(deliveryIdFor(event, endpointId));
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['user-agent']).toMatch(/^wa-fleet-webhooks\//);
      expect(event).toEqual(life.find((e) => e.id === event.id));
    }
    const log = await listDeliveries(h.replayDeps, tenant, { status: 'succeeded', limit: 10 });
    expect(log.items).toHaveLength(5);
    expect(log.items.every((d) => d.attemptCount === 1 && d.attempts[0]?.statusCode === 200)).toBe(true);
    expect(await h.deliveriesQueue.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('honours event-type and session filters, and never crosses tenants', async () => {
    const { secret } = await h.register('tenant-filter', { url: receiver.url, events: ['message.received'], sessionIds: ['s2'] });
    await h.register('tenant-elsewhere', { url: other.url });
    await h.publish(
      h.event('session.status', 'tenant-filter', 's2', { status: 'open' }),
      h.event('message.received', 'tenant-filter', 's1', { waMessageId: 'A', from: 'x', chat: 'x', timestamp: new Date().toISOString(), type: 'text' }),
      h.event('message.received', 'tenant-filter', 's2', { waMessageId: 'B', from: 'x', chat: 'x', timestamp: new Date().toISOString(), type: 'text' }),
    );

    await drainEvents();

    expect(receiver.requests).toHaveLength(1);
    expect((verifyAtItsTime(secret, receiver.requests[0]!) as AnyEvent).data).toMatchObject({ waMessageId: 'B' });
    expect(other.requests).toHaveLength(0);
  });

  it('does not deliver twice when SQS redelivers the same event', async () => {
    const tenant = 'tenant-dedupe';
    await h.register(tenant, { url: receiver.url });
    const event = h.event('session.status', tenant, 's1', { status: 'open' });
    const record = sqsRecord('m-1', 'r-1', JSON.stringify(event));

    const first = await handleEvents(h.deps, { Records: [record] });
    const again = await handleEvents(h.deps, { Records: [{ ...record, messageId: 'm-2', attributes: { ...record.attributes, ApproximateReceiveCount: '2' } }] });

    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
  });

  it('delivers copies of one event in one batch once', async () => {
    const tenant = 'tenant-copies';
    await h.register(tenant, { url: receiver.url });
    const body = JSON.stringify(h.event('session.status', tenant, 's1', { status: 'open' }));

    const response = await handleEvents(h.deps, { Records: [sqsRecord('c-1', 'r-1', body), sqsRecord('c-2', 'r-2', body), sqsRecord('c-3', 'r-3', body)] });

    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends a later first-receive copy again under the same webhook-id, and logs one delivery with one attempt', async () => {
    // At least once: a copy SQS hands out as new (receive count 1) in a later batch is not looked up first
    // (that read would be paid on every event); the receiver deduplicates on webhook-id.
    const tenant = 'tenant-late-copy';
    const { id: endpointId } = await h.register(tenant, { url: receiver.url });
    const event = h.event('session.status', tenant, 's1', { status: 'open' });

    await handleEvents(h.deps, { Records: [sqsRecord('l-1', 'r-1', JSON.stringify(event))] });
    const copy = await handleEvents(h.deps, { Records: [sqsRecord('l-2', 'r-2', JSON.stringify(event))] });

    expect(copy.batchItemFailures).toEqual([]);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([deliveryIdFor(event, endpointId), deliveryIdFor(event, endpointId)]);
    const log = await listDeliveries(h.replayDeps, tenant, { limit: 10 });
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ status: 'succeeded', attemptCount: 1 });
  });

  it('writes a first attempt that succeeds to the delivery log once, as one conditional create', async () => {
    const tenant = 'tenant-one-write';
    await h.register(tenant, { url: receiver.url });
    const writes: string[] = [];
    const store = h.deps.deliveries;
    const counting: typeof store = {
      ...store,
      get: (...args) => (writes.push('get'), store.get(...args)),
      createIfAbsent: (...args) => (writes.push('createIfAbsent'), store.createIfAbsent(...args)),
      claim: (...args) => (writes.push('claim'), store.claim(...args)),
      recordAttempt: (...args) => (writes.push('recordAttempt'), store.recordAttempt(...args)),
      markScheduled: (...args) => (writes.push('markScheduled'), store.markScheduled(...args)),
      list: (...args) => store.list(...args),
      restartCycle: (...args) => store.restartCycle(...args),
      revertRestart: (...args) => store.revertRestart(...args),
    };
    const event = h.event('message.status', tenant, 's1', { messageId: '01JCMD0000000000000000000B', status: 'sent', to: '4915112345678' });

    const response = await handleEvents({ ...h.deps, deliveries: counting }, { Records: [sqsRecord('w-1', 'r-1', JSON.stringify(event))] });

    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.requests).toHaveLength(1);
    expect(writes).toEqual(['createIfAbsent']);
    const [logged] = (await listDeliveries(h.replayDeps, tenant, { limit: 10 })).items;
    expect(logged).toMatchObject({ status: 'succeeded', cycle: 1, attemptCount: 1, lastStatusCode: 200, attempts: [{ cycle: 1, attempt: 1, statusCode: 200 }] });
    expect(logged?.completedAt).toBeDefined();
  });

  it('sends again with the same webhook-id when the worker dies between the request and the log write', async () => {
    const tenant = 'tenant-crash-before-log';
    const { id: endpointId } = await h.register(tenant, { url: receiver.url });
    const event = h.event('session.status', tenant, 's1', { status: 'open' });
    const store = h.deps.deliveries;
    const dying = { ...h.deps, deliveries: Object.assign(Object.create(store) as typeof store, { createIfAbsent: () => Promise.reject(new Error('worker died')) }) };

    const crashed = await handleEvents(dying, { Records: [sqsRecord('x-1', 'r-1', JSON.stringify(event))] });
    const redelivered = await handleEvents(h.deps, { Records: [sqsRecord('x-1', 'r-2', JSON.stringify(event), 2)] });

    expect(crashed.batchItemFailures).toEqual([{ itemIdentifier: 'x-1' }]);
    expect(redelivered.batchItemFailures).toEqual([]);
    expect(receiver.requests.map((r) => r.headers['webhook-id'])).toEqual([deliveryIdFor(event, endpointId), deliveryIdFor(event, endpointId)]);
    const log = await listDeliveries(h.replayDeps, tenant, { limit: 10 });
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ status: 'succeeded', attemptCount: 1 });
  });

  it('keeps the batch alive through slow, redirecting, huge-answer and malformed records', async () => {
    const slow = await startWebhookReceiver(() => ({ delayMs: 6_000 }));
    const redirecting = await startWebhookReceiver(() => ({ status: 302, headers: { location: 'http://169.254.169.254/' } }));
    const huge = await startWebhookReceiver(() => ({ status: 200, streamBytes: 256 * 1024 * 1024 }));
    try {
      await h.register('tenant-slow', { url: slow.url });
      await h.register('tenant-redirect', { url: redirecting.url });
      await h.register('tenant-huge', { url: huge.url });
      const events = [
        h.event('session.status', 'tenant-slow', 's1', { status: 'open' }),
        h.event('session.status', 'tenant-redirect', 's1', { status: 'open' }),
        h.event('session.status', 'tenant-huge', 's1', { status: 'open' }),
      ];
      const records = [
        ...events.map((event, i) => sqsRecord(`ok-${i}`, `r-${i}`, JSON.stringify(event))),
        sqsRecord('garbage', 'r-x', '{"not":"an event"'),
        sqsRecord('wrong-shape', 'r-y', JSON.stringify({ v: 1, type: 'nope' })),
      ];

      const started = Date.now();
      const response = await handleEvents(h.deps, { Records: records });

      expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['garbage', 'wrong-shape']);
      expect(Date.now() - started).toBeLessThan(5_000);
      const outcome = async (tenant: string) => (await listDeliveries(h.replayDeps, tenant, { limit: 5 })).items[0];
      expect(await outcome('tenant-slow')).toMatchObject({ status: 'pending', lastError: 'timeout' });
      expect(await outcome('tenant-redirect')).toMatchObject({ status: 'pending', lastStatusCode: 302, lastError: 'redirect_not_followed' });
      expect(await outcome('tenant-huge')).toMatchObject({ status: 'succeeded', lastStatusCode: 200 });
      expect(redirecting.requests).toHaveLength(1);
      expect(huge.streamedBytes).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await Promise.all([slow.close(), redirecting.close(), huge.close()]);
    }
  });

  it('signs with the old and the new secret during a rotation overlap', async () => {
    const tenant = 'tenant-rotate';
    const { id, secret: oldSecret } = await h.register(tenant, { url: receiver.url });
    const { secret: newSecret } = await rotateEndpointSecret(h.endpointDeps, tenant, id);
    await h.publish(h.event('session.status', tenant, 's1', { status: 'open' }));

    await drainEvents();

    const [request] = receiver.requests;
    expect(request?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verifyAtItsTime(newSecret, request!)).toMatchObject({ tenantId: tenant });
    expect(verifyAtItsTime(oldSecret, request!)).toMatchObject({ tenantId: tenant });
  });
});
