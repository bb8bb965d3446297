import { describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../../core/domain/event.ts';
import { eventDataIssues, parseEventEnvelope, typedEventSchema } from '../../../../core/domain/event-schemas.ts';
import { newEvent } from '../../../../core/events/event-publisher.ts';

const context = { tenantId: 'acme', sessionId: 's1' };
const examples: AnyEvent[] = [
  newEvent('session.status', context, { status: 'open', previousStatus: 'qr' }),
  newEvent('session.qr', context, { qr: '2@abc', expiresAt: new Date().toISOString() }),
  newEvent('session.needs_pairing', context, { reason: 'logged_out', disconnectCode: 401 }),
  newEvent('message.received', context, { waMessageId: 'A', from: 'x@s.whatsapp.net', chat: 'x@s.whatsapp.net', timestamp: new Date().toISOString(), type: 'text', text: 'hi' }),
  newEvent('message.status', context, { messageId: 'c1', status: 'delivered' }),
  newEvent('campaign.progress', { tenantId: 'acme' }, { campaignId: 'k1', status: 'running', counts: { sent: 1 } }),
  newEvent('alert', context, { alert: 'logged_out', severity: 'critical', message: 'Link it again.' }),
];

describe('event schemas', () => {
  it.each(examples.map((event) => [event.type, event] as const))('accept what producers publish: %s', (_type, event) => {
    const roundTripped = parseEventEnvelope(JSON.parse(JSON.stringify(event)));
    expect(roundTripped).toEqual(JSON.parse(JSON.stringify(event)));
    expect(eventDataIssues(roundTripped)).toEqual([]);
    expect(typedEventSchema.safeParse(roundTripped).success).toBe(true);
  });

  it('refuse what is not an envelope, and name the data fields that do not match the type', () => {
    expect(() => parseEventEnvelope({ v: 2, id: 'x', type: 'session.status', tenantId: 'a', occurredAt: new Date().toISOString(), data: {} })).toThrow();
    expect(() => parseEventEnvelope({ v: 1, id: 'x', type: 'session.exploded', tenantId: 'a', occurredAt: new Date().toISOString(), data: {} })).toThrow();
    expect(() => parseEventEnvelope({ v: 1, id: 'x', type: 'alert', tenantId: 'a', occurredAt: 'yesterday', data: {} })).toThrow();
    const odd = parseEventEnvelope({ v: 1, id: 'x', type: 'message.status', tenantId: 'a', occurredAt: new Date().toISOString(), data: { status: 'teleported' } });
    expect(eventDataIssues(odd).sort()).toEqual(['messageId', 'status']);
    expect(typedEventSchema.safeParse(odd).success).toBe(false);
  });
});
