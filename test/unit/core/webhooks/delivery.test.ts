import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isId } from '../../../../core/ids.ts';
import { deliveryIdBound, deliveryIdFor } from '../../../../core/webhooks/delivery.ts';
import { delaySecondsUntil } from '../../../../core/webhooks/sqs-delivery-scheduler.ts';

const event = (id: string, occurredAt: string) => ({ id, occurredAt });

describe('delivery ids', () => {
  it('are the same for the same event and endpoint, and differ across endpoints and events', () => {
    const a = deliveryIdFor(event('e1', '2025-06-01T10:00:00.000Z'), 'ep1');
    expect(isId(a)).toBe(true);
    expect(deliveryIdFor(event('e1', '2025-06-01T10:00:00.000Z'), 'ep1')).toBe(a);
    expect(deliveryIdFor(event('e1', '2025-06-01T10:00:00.000Z'), 'ep2')).not.toBe(a);
    expect(deliveryIdFor(event('e2', '2025-06-01T10:00:00.000Z'), 'ep1')).not.toBe(a);
  });

  it('sort by event time and fall inside the time bounds of their millisecond', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 44 }), fc.integer({ min: 1, max: 10 ** 9 }), fc.string(), (t, dt, id) => {
        const earlier = deliveryIdFor(event(id, new Date(t).toISOString()), 'ep');
        const later = deliveryIdFor(event(id, new Date(t + dt).toISOString()), 'ep');
        expect(earlier < later).toBe(true);
        expect(deliveryIdBound(t, 'low') <= earlier && earlier <= deliveryIdBound(t, 'high')).toBe(true);
        expect(later > deliveryIdBound(t, 'high')).toBe(true);
      }),
    );
  });
});

describe('SQS delay of a scheduled attempt', () => {
  it('is the wait in whole seconds, capped at the 15 minutes SQS allows', () => {
    expect(delaySecondsUntil(1_000, 5_000)).toBe(0);
    expect(delaySecondsUntil(5_000, 0)).toBe(5);
    expect(delaySecondsUntil(5_001, 0)).toBe(6);
    expect(delaySecondsUntil(2 * 3600_000, 0)).toBe(900);
  });
});
