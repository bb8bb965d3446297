import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpWebhookSender } from '../../../../core/webhooks/http-webhook-sender.ts';
import type { HostResolver } from '../../../../core/webhooks/ssrf-guard.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../support/webhook-receiver.ts';

const local = { requireHttps: false, allowLoopback: true };
const request = (url: string) => ({ url, headers: { 'content-type': 'application/json', 'webhook-id': 'd1' }, body: '{"hello":"world"}' });

describe('HttpWebhookSender against a real receiver', () => {
  let receiver: WebhookReceiver;
  const sender = new HttpWebhookSender({ policy: local, timeoutMs: 400, maxResponseBytes: 4096 });

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  beforeEach(() => {
    receiver.requests.length = 0;
    receiver.streamedBytes = 0;
    receiver.behave(() => undefined);
  });
  afterAll(() => receiver.close());

  it('POSTs the body and headers and reports the status, latency and an excerpt of the answer', async () => {
    receiver.behave(() => ({ status: 202, body: 'accepted' }));
    const response = await sender.send(request(receiver.url));
    expect(response).toMatchObject({ statusCode: 202, responseExcerpt: 'accepted' });
    expect(response.error).toBeUndefined();
    expect(response.latencyMs).toBeGreaterThanOrEqual(0);
    const [received] = receiver.requests;
    expect(received).toMatchObject({ method: 'POST', path: '/hook', body: '{"hello":"world"}' });
    expect(received?.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'd1', 'content-length': '17' });
  });

  it('reports a 500 as an http error', async () => {
    receiver.behave(() => ({ status: 500, body: 'boom' }));
    expect(await sender.send(request(receiver.url))).toMatchObject({ statusCode: 500, error: 'http_error' });
  });

  it('gives up on a slow receiver at the deadline', async () => {
    receiver.behave(() => ({ delayMs: 5_000 }));
    const response = await sender.send(request(receiver.url));
    expect(response.error).toBe('timeout');
    expect(response.statusCode).toBeUndefined();
    expect(response.latencyMs).toBeGreaterThanOrEqual(350);
    expect(response.latencyMs).toBeLessThan(4_000);
  });

  it('does not follow a redirect, even to a public address', async () => {
    receiver.behave((_req, n) => (n === 0 ? { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } } : undefined));
    const response = await sender.send(request(receiver.url));
    expect(response).toMatchObject({ statusCode: 307, error: 'redirect_not_followed' });
    expect(receiver.requests).toHaveLength(1);
  });

  it('reads at most a few KB of a huge answer and moves on', async () => {
    receiver.behave(() => ({ status: 200, streamBytes: 512 * 1024 * 1024 }));
    const before = process.memoryUsage().heapUsed;
    const response = await sender.send(request(receiver.url));
    expect(response).toMatchObject({ statusCode: 200 });
    expect(response.responseExcerpt).toHaveLength(256);
    expect(response.latencyMs).toBeLessThan(3_000);
    expect(receiver.streamedBytes).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('reports a refused connection', async () => {
    const closed = await startWebhookReceiver();
    const url = closed.url;
    await closed.close();
    expect(await sender.send(request(url))).toMatchObject({ error: 'connection_failed' });
  });

  it('connects to the address it checked, without asking DNS again (no rebind window)', async () => {
    let lookups = 0;
    const resolver: HostResolver = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const pinned = new HttpWebhookSender({ policy: local, timeoutMs: 1_000, resolve: resolver });
    const response = await pinned.send(request(`http://receiver.rebind.test:${receiver.port}/hook`));
    expect(response).toMatchObject({ statusCode: 200 });
    expect(lookups).toBe(1);
    expect(receiver.requests[0]?.headers.host).toBe(`receiver.rebind.test:${receiver.port}`);
  });

  it('refuses, without connecting, a name that resolves to a private or metadata address', async () => {
    const rebinding: HostResolver = async () => [{ address: '169.254.169.254', family: 4 }];
    const guarded = new HttpWebhookSender({ policy: local, timeoutMs: 1_000, resolve: rebinding });
    expect(await guarded.send(request(`http://receiver.rebind.test:${receiver.port}/hook`))).toMatchObject({ error: 'address_forbidden' });
    expect(receiver.requests).toHaveLength(0);
  });

  it('refuses loopback when the policy does not allow it, and plain http when https is required', async () => {
    const strict = new HttpWebhookSender({ policy: { requireHttps: false, allowLoopback: false }, timeoutMs: 1_000 });
    expect(await strict.send(request(receiver.url))).toMatchObject({ error: 'address_forbidden' });
    const https = new HttpWebhookSender({ policy: { requireHttps: true, allowLoopback: true }, timeoutMs: 1_000 });
    expect(await https.send(request(receiver.url))).toMatchObject({ error: 'address_forbidden' });
    expect(receiver.requests).toHaveLength(0);
  });

  it('reports a name that does not resolve as a DNS failure', async () => {
    const nxdomain: HostResolver = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
    };
    const sender2 = new HttpWebhookSender({ policy: local, timeoutMs: 1_000, resolve: nxdomain });
    expect(await sender2.send(request('http://nowhere.example.com/'))).toMatchObject({ error: 'dns_failed' });
  });
});
