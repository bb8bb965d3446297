import { describe, expect, it } from 'vitest';
import { endpointMatches, toEndpointView } from '../../../../core/webhooks/webhook-endpoint.ts';
import { newWebhookSecret } from '../../../../core/webhooks/webhook-signing.ts';
import { endpoint, event } from './builders.ts';

describe('endpoint filters and views', () => {
  it('matches by event type and session, and never across tenants or when disabled', () => {
    expect(endpointMatches(endpoint(), event())).toBe(true);
    expect(endpointMatches(endpoint({ events: ['message.received'] }), event())).toBe(false);
    expect(endpointMatches(endpoint({ events: ['session.status', 'alert'] }), event())).toBe(true);
    expect(endpointMatches(endpoint({ sessionIds: ['s2'] }), event())).toBe(false);
    expect(endpointMatches(endpoint({ sessionIds: ['s1'] }), event())).toBe(true);
    expect(endpointMatches(endpoint({ sessionIds: ['s2'] }), event({ sessionId: undefined }))).toBe(true);
    expect(endpointMatches(endpoint({ tenantId: 'tenant-b' }), event())).toBe(false);
    expect(endpointMatches(endpoint({ enabled: false }), event())).toBe(false);
  });

  it('never shows a secret', () => {
    const view = toEndpointView(endpoint({ previousSecret: newWebhookSecret(), previousSecretExpiresAt: '2030-01-01T00:00:00.000Z' }));
    expect(JSON.stringify(view)).not.toContain('whsec_');
    expect(view).not.toHaveProperty('secret');
    expect(view).not.toHaveProperty('tenantId');
  });
});
