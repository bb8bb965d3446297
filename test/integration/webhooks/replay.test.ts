import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../core/domain/event.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../core/errors.ts';
import { deliveryIdFor } from '../../../core/webhooks/delivery.ts';
import { getDelivery, listDeliveries, replayDelivery, replayFailedDeliveries } from '../../../core/webhooks/replay-deliveries.ts';
import { handleEvents } from '../../../lambdas/webhooks/handler.ts';
import { handleDeliveries } from '../../../lambdas/webhooks/retry.handler.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { pollOnce, verifyAtItsTime, webhooksHarness, type WebhooksHarness } from './webhooks-harness.ts';

const MINUTE = 60_000;

describe('delivery log and replay', () => {
  let h: WebhooksHarness;
  let receiver: WebhookReceiver;
  const tenant = 'tenant-replay';
  let endpointA: { id: string; secret: string };
  let endpointB: { id: string; secret: string };
  const failedEvents: AnyEvent[] = [];
  let startedAt: number;

  const drainEvents = () => pollOnce(h.eventsQueue, (event) => handleEvents(h.deps, event));
  const drainRetries = () => pollOnce(h.deliveriesQueue, (event) => handleDeliveries(h.deps, event));

  beforeAll(async () => {
    [h, receiver] = await Promise.all([webhooksHarness(), startWebhookReceiver()]);
    startedAt = h.clock.now();
    // Endpoint A rejects everything with 400 (failed at once); endpoint B accepts.
    endpointA = await h.register(tenant, { url: `${receiver.url}?a` });
    endpointB = await h.register(tenant, { url: `${receiver.url}?b`, events: ['session.status'] });
    receiver.behave((request) => (request.path.endsWith('?a') ? { status: 400 } : { status: 200 }));
    for (let i = 0; i < 4; i++) {
      const event = h.event('session.status', tenant, `s${i}`, { status: 'open' });
      failedEvents.push(event);
      await h.publish(event);
      await drainEvents();
      h.clock.advance(10 * MINUTE);
    }
    await h.publish(h.event('message.received', tenant, 's9', { waMessageId: 'W', from: 'x', chat: 'x', timestamp: new Date().toISOString(), type: 'text' }));
    await drainEvents();
  });
  afterAll(async () => {
    await receiver.close();
    h.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
  });

  it('lists deliveries newest first, by status, endpoint and time range, in pages', async () => {
    const all = await listDeliveries(h.replayDeps, tenant, { limit: 50 });
    expect(all.items).toHaveLength(9);
    const times = all.items.map((d) => d.occurredAt);
    expect([...times].sort().reverse()).toEqual(times);

    const failed = await listDeliveries(h.replayDeps, tenant, { status: 'failed', limit: 50 });
    expect(failed.items).toHaveLength(5);
    expect(failed.items.every((d) => d.endpointId === endpointA.id && d.lastStatusCode === 400)).toBe(true);

    const succeededB = await listDeliveries(h.replayDeps, tenant, { status: 'succeeded', endpointId: endpointB.id, limit: 50 });
    expect(succeededB.items).toHaveLength(4);

    const window = await listDeliveries(h.replayDeps, tenant, {
      status: 'failed',
      since: new Date(startedAt + 5 * MINUTE).toISOString(),
      until: new Date(startedAt + 25 * MINUTE).toISOString(),
      limit: 50,
    });
    expect(window.items.map((d) => d.eventId)).toEqual([failedEvents[2]!.id, failedEvents[1]!.id]);

    const first = await listDeliveries(h.replayDeps, tenant, { status: 'failed', limit: 2 });
    const second = await listDeliveries(h.replayDeps, tenant, { status: 'failed', limit: 2, cursor: first.cursor });
    expect(first.items).toHaveLength(2);
    expect(second.items).toHaveLength(2);
    expect(new Set([...first.items, ...second.items].map((d) => d.id)).size).toBe(4);
    expect(first.items[0]?.event).toMatchObject({ tenantId: tenant });
  });

  it('refuses a cursor from another listing or tenant, and an inverted range', async () => {
    const page = await listDeliveries(h.replayDeps, tenant, { status: 'failed', limit: 1 });
    await expect(listDeliveries(h.replayDeps, 'tenant-other', { status: 'failed', limit: 1, cursor: page.cursor })).rejects.toBeInstanceOf(ValidationError);
    await expect(
      listDeliveries(h.replayDeps, tenant, { since: '2025-02-01T00:00:00Z', until: '2025-01-01T00:00:00Z', limit: 1 }),
    ).rejects.toBeInstanceOf(ValidationError);
    expect((await listDeliveries(h.replayDeps, 'tenant-other', { limit: 10 })).items).toEqual([]);
  });

  it('replays one failed delivery with a fresh cycle and the same webhook-id', async () => {
    receiver.behave(() => ({ status: 200 }));
    const deliveryId = deliveryIdFor(failedEvents[0]!, endpointA.id);

    const replayed = await replayDelivery(h.replayDeps, tenant, deliveryId);
    expect(replayed).toMatchObject({ status: 'pending', cycle: 2, attemptCount: 0 });
    await expect(replayDelivery(h.replayDeps, tenant, deliveryId)).rejects.toBeInstanceOf(ConflictError);
    await drainRetries();

    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.headers['webhook-id']).toBe(deliveryId);
    expect(verifyAtItsTime(endpointA.secret, receiver.requests[0]!)).toMatchObject({ id: failedEvents[0]!.id });
    const after = await getDelivery(h.replayDeps, tenant, deliveryId);
    expect(after).toMatchObject({ status: 'succeeded', cycle: 2, attemptCount: 1 });
    expect(after.attempts.map((a) => [a.cycle, a.statusCode])).toEqual([
      [1, 400],
      [2, 200],
    ]);
    await expect(replayDelivery(h.replayDeps, 'tenant-other', deliveryId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('replays every failed delivery of a time range (bounded), and only those', async () => {
    receiver.behave(() => ({ status: 200 }));
    const result = await replayFailedDeliveries(h.replayDeps, tenant, {
      since: new Date(startedAt + 5 * MINUTE).toISOString(),
      until: new Date(startedAt + 35 * MINUTE).toISOString(),
      endpointId: endpointA.id,
    });
    expect(result).toMatchObject({ replayed: 3 });

    await drainRetries();

    expect(receiver.requests.map((r) => (JSON.parse(r.body) as AnyEvent).id).sort()).toEqual(
      [failedEvents[1]!.id, failedEvents[2]!.id, failedEvents[3]!.id].sort(),
    );
    const stillFailed = await listDeliveries(h.replayDeps, tenant, { status: 'failed', limit: 50 });
    expect(stillFailed.items.map((d) => d.eventType)).toEqual(['message.received']);
    expect(await replayFailedDeliveries(h.replayDeps, tenant, { since: new Date(startedAt).toISOString(), until: new Date(startedAt + 35 * MINUTE).toISOString() })).toMatchObject({ replayed: 0 });
  });
});
