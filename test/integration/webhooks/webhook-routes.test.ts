import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../core/logger.ts';
import type { HostResolver } from '../../../core/webhooks/ssrf-guard.ts';
import type { ApiDependencies } from '../../../lambdas/api/composition.ts';
import { composeWebhooks } from '../../../lambdas/webhooks/composition.ts';
import { loadWebhooksConfig } from '../../../lambdas/webhooks/config.ts';
import { CountingDeliveryMetrics } from '../../../lambdas/webhooks/delivery-metrics.ts';
import { handleEvents } from '../../../lambdas/webhooks/handler.ts';
import { handleDeliveries } from '../../../lambdas/webhooks/retry.handler.ts';
import { SqsQueue } from '../../../core/aws/sqs-queue.ts';
import { SqsEventPublisher, newEvent } from '../../../core/events/event-publisher.ts';
import { apiHarness, type ApiHarness, type Tenant } from '../api/support/api-harness.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { loopbackResolver, pollOnce } from './webhooks-harness.ts';

const dns: Record<string, string> = {
  'hooks.example.com': '93.184.215.14',
  'internal.example.com': '10.0.0.8',
  'metadata.example.com': '169.254.169.254',
};
const fakeDns: HostResolver = async (host) => {
  const address = dns[host];
  if (!address) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

function withResolver(resolve: HostResolver) {
  return (deps: ApiDependencies): Partial<ApiDependencies> => ({
    webhooks: { ...deps.webhooks, endpoints: { ...deps.webhooks.endpoints, resolve } },
  });
}

describe('/v1/webhooks (AWS settings: https only, no loopback)', () => {
  let api: ApiHarness;
  let tenant: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    api = await apiHarness({ override: withResolver(fakeDns) });
    [tenant, other] = await Promise.all([api.createTenant('Acme'), api.createTenant('Other')]);
  });
  afterAll(() => api.close());

  const call = (who: Tenant, method: string, path: string, body?: unknown) => api.call({ method, path, body, principal: who.principal });

  it('registers an endpoint and shows its Standard Webhooks secret once', async () => {
    const created = await call(tenant, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/wa', events: ['message.received', 'message.received'], description: 'CRM' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'https://hooks.example.com/wa', events: ['message.received'], description: 'CRM', enabled: true });
    expect(created.body.secret).toMatch(/^whsec_/);
    expect(() => new Webhook(created.body.secret)).not.toThrow();

    const read = await call(tenant, 'GET', `/v1/webhooks/${created.body.id}`);
    const list = await call(tenant, 'GET', '/v1/webhooks');
    expect(read.status).toBe(200);
    expect(JSON.stringify([read.body, list.body])).not.toContain('whsec_');
    expect(list.body.items.map((w: { id: string }) => w.id)).toContain(created.body.id);
  });

  it.each([
    ['http://hooks.example.com/', 400, 'webhook_url_insecure'],
    ['https://169.254.169.254/latest/meta-data/', 400, 'webhook_url_forbidden'],
    ['https://0x7f.1/', 400, 'webhook_url_forbidden'],
    ['https://[::ffff:10.0.0.1]/', 400, 'webhook_url_forbidden'],
    ['https://localhost/', 400, 'webhook_url_forbidden'],
    ['https://internal.example.com/', 400, 'webhook_url_forbidden'],
    ['https://metadata.example.com/', 400, 'webhook_url_forbidden'],
    ['https://nowhere.example.com/', 400, 'webhook_url_unresolvable'],
    ['not a url', 400, 'webhook_url_invalid'],
  ])('refuses %s with %i %s', async (url, status, code) => {
    const reply = await call(tenant, 'POST', '/v1/webhooks', { url });
    expect(reply.status).toBe(status);
    expect(reply.body.error.code).toBe(code);
  });

  it('validates the body: event types, unknown fields', async () => {
    const reply = await call(tenant, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/', events: ['nope'], extra: 1 });
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('validation_failed');
  });

  it('changes, rotates and deletes, and another tenant sees none of it', async () => {
    const { body: created } = await call(tenant, 'POST', '/v1/webhooks', { url: 'https://hooks.example.com/a', sessionIds: ['s1'] });

    const patched = await call(tenant, 'PATCH', `/v1/webhooks/${created.id}`, { sessionIds: null, enabled: false, url: 'https://hooks.example.com/b' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ url: 'https://hooks.example.com/b', enabled: false });
    expect(patched.body.sessionIds).toBeUndefined();
    expect((await call(tenant, 'PATCH', `/v1/webhooks/${created.id}`, { url: 'https://internal.example.com/' })).body.error.code).toBe('webhook_url_forbidden');
    expect((await call(tenant, 'PATCH', `/v1/webhooks/${created.id}`, {})).status).toBe(400);

    const rotated = await call(tenant, 'POST', `/v1/webhooks/${created.id}/rotate-secret`, { overlapSeconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(created.secret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(3500_000);

    for (const [method, path, body] of [
      ['GET', `/v1/webhooks/${created.id}`],
      ['PATCH', `/v1/webhooks/${created.id}`, { enabled: true }],
      ['POST', `/v1/webhooks/${created.id}/rotate-secret`, {}],
      ['DELETE', `/v1/webhooks/${created.id}`],
    ] as const) {
      const reply = await call(other, method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error.code).toBe('webhook_not_found');
    }
    expect((await call(other, 'GET', '/v1/webhooks')).body.items).toEqual([]);

    expect((await call(tenant, 'DELETE', `/v1/webhooks/${created.id}`)).status).toBe(204);
    expect((await call(tenant, 'GET', `/v1/webhooks/${created.id}`)).status).toBe(404);
    expect((await call(tenant, 'DELETE', `/v1/webhooks/${created.id}`)).status).toBe(404);
  });
});

describe('/v1/webhooks/deliveries (local settings: loopback receivers)', () => {
  const settings = { WEBHOOK_REQUIRE_HTTPS: 'false', WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_ENDPOINT_CACHE_SECONDS: '0', WEBHOOK_TIMEOUT_MS: '1000' };
  let api: ApiHarness;
  let tenant: Tenant;
  let receiver: WebhookReceiver;
  let endpointId: string;

  beforeAll(async () => {
    [api, receiver] = await Promise.all([apiHarness({ env: settings, override: withResolver(loopbackResolver) }), startWebhookReceiver()]);
    tenant = await api.createTenant('Acme');
    receiver.behave(() => ({ status: 400 }));
    const created = await api.call({ method: 'POST', path: '/v1/webhooks', body: { url: receiver.url }, principal: tenant.principal });
    endpointId = created.body.id;
  });
  afterAll(async () => {
    await receiver.close();
    api.close();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
  });

  const call = (method: string, path: string, body?: unknown, query?: Record<string, string>) =>
    api.call({ method, path, body, query, principal: tenant.principal });

  it('lists failed deliveries and replays one and a range through the API', async () => {
    const env: Record<string, string> = { ...api.aws.env, ...settings };
    const workers = { ...composeWebhooks(loadWebhooksConfig(env), createLogger('webhooks-test'), { clients: api.aws.clients, metrics: new CountingDeliveryMetrics() }) };
    const events = new SqsQueue(api.aws.clients.sqs, env.EVENTS_QUEUE_URL!);
    const deliveries = new SqsQueue(api.aws.clients.sqs, env.DELIVERIES_QUEUE_URL!);
    const since = new Date(Date.now() - 1000).toISOString();
    await new SqsEventPublisher(events).publish([
      newEvent('session.status', { tenantId: tenant.tenantId, sessionId: 's1' }, { status: 'open' }),
      newEvent('session.status', { tenantId: tenant.tenantId, sessionId: 's2' }, { status: 'open' }),
    ]);
    await pollOnce(events, (event) => handleEvents(workers, event));
    expect(receiver.requests).toHaveLength(2);

    const failed = await call('GET', '/v1/webhooks/deliveries', undefined, { status: 'failed', endpointId, limit: '1' });
    expect(failed.status).toBe(200);
    expect(failed.body.items).toHaveLength(1);
    expect(failed.body.items[0]).toMatchObject({ status: 'failed', lastStatusCode: 400, endpointId, event: { type: 'session.status' } });
    expect(failed.body.nextCursor).toEqual(expect.any(String));
    const next = await call('GET', '/v1/webhooks/deliveries', undefined, { status: 'failed', limit: '1', cursor: failed.body.nextCursor, endpointId });
    expect(next.body.items[0].id).not.toBe(failed.body.items[0].id);

    receiver.requests.length = 0;
    receiver.behave(() => ({ status: 204 }));
    const one = await call('POST', `/v1/webhooks/deliveries/${failed.body.items[0].id}/replay`);
    expect(one.status).toBe(202);
    expect(one.body).toMatchObject({ status: 'pending', cycle: 2 });
    expect((await call('POST', `/v1/webhooks/deliveries/${failed.body.items[0].id}/replay`)).status).toBe(409);

    const range = await call('POST', '/v1/webhooks/deliveries/replay', { since, until: new Date(Date.now() + 1000).toISOString() });
    expect(range.status).toBe(202);
    expect(range.body).toMatchObject({ replayed: 1 });

    await pollOnce(deliveries, (event) => handleDeliveries(workers, event));
    expect(receiver.requests).toHaveLength(2);
    const succeeded = await call('GET', '/v1/webhooks/deliveries', undefined, { status: 'succeeded' });
    expect(succeeded.body.items).toHaveLength(2);
    const single = await call('GET', `/v1/webhooks/deliveries/${succeeded.body.items[0].id}`);
    expect(single.body.attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([400, 204]);
  });

  it('refuses bad filters and foreign deliveries', async () => {
    expect((await call('GET', '/v1/webhooks/deliveries', undefined, { status: 'lost' })).status).toBe(400);
    expect((await call('GET', '/v1/webhooks/deliveries', undefined, { since: 'yesterday' })).status).toBe(400);
    expect((await call('POST', '/v1/webhooks/deliveries/replay', { since: '2025-01-02T00:00:00Z', until: '2025-01-01T00:00:00Z' })).body.error.code).toBe(
      'invalid_time_range',
    );
    const stranger = await api.createTenant('Stranger');
    const theirs = await api.call({ method: 'GET', path: '/v1/webhooks/deliveries', principal: stranger.principal });
    expect(theirs.body.items).toEqual([]);
    const mine = await call('GET', '/v1/webhooks/deliveries');
    const foreign = await api.call({ method: 'POST', path: `/v1/webhooks/deliveries/${mine.body.items[0].id}/replay`, principal: stranger.principal });
    expect(foreign.status).toBe(404);
  });
});
