import { describe, expect, it } from 'vitest';
import { endpointMatches, toEndpointView, type WebhookEndpoint } from '../../../../core/webhooks/webhook-endpoint.ts';
import { newWebhookSecret } from '../../../../core/webhooks/webhook-signing.ts';
import type { AnyEvent } from '../../../../core/domain/event.ts';

function endpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    tenantId: 'tenant-a',
    id: 'ep1',
    url: 'https://hooks.example.com/',
    enabled: true,
    secret: newWebhookSecret(),
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...overrides,
  };
}

function event(overrides: Partial<AnyEvent> = {}): AnyEvent {
  return {
    v: 1,
    id: '01JAAAAAAAAAAAAAAAAAAAAAAA',
    type: 'session.status',
    tenantId: 'tenant-a',
    sessionId: 's1',
    occurredAt: '2025-01-01T00:00:00.000Z',
    data: { status: 'open' },
    ...overrides,
  } as AnyEvent;
}

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
