// Builders with overrides for the webhook unit tests: an enabled endpoint of tenant-a and an event it matches.
import type { AnyEvent } from '../../../../core/domain/event.ts';
import type { WebhookEndpoint } from '../../../../core/webhooks/webhook-endpoint.ts';
import { newWebhookSecret } from '../../../../core/webhooks/webhook-signing.ts';

export function endpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
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

export function event(overrides: Partial<AnyEvent> = {}): AnyEvent {
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
