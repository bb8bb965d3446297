import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH } from '../../../core/domain/message.ts';
import { DependencyError } from '../../../core/errors.ts';
import { waMessageIdFor } from '../../../core/ids.ts';
import { apiHarness, type ApiHarness, type Tenant } from './support/api-harness.ts';
import { drainSlot, ownedBy } from './support/runner-state.ts';

describe('messages', () => {
  let h: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let idle: string;
  let live: string;

  beforeAll(async () => {
    h = await apiHarness({ env: { COMMAND_TTL_SECONDS: '3600' } });
    [a, b] = [await h.createTenant('A'), await h.createTenant('B')];
    idle = (await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey })).body.id;
    live = (await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey })).body.id;
    await ownedBy(h, a.tenantId, live, 'open', { slot: 1 });
  });
  afterAll(() => h.close());

  const send = (session: string, body: unknown, extra: { key?: string; headers?: Record<string, string> } = {}) =>
    h.call({ method: 'POST', path: `/v1/sessions/${session}/messages`, key: extra.key ?? a.apiKey, body, headers: extra.headers });

  it('records a send before answering 202, with the recipient as a JID and a derived WhatsApp id', async () => {
    const reply = await send(idle, { to: '+49 151 1234 5678', type: 'text', text: 'hello' }, { headers: { 'x-correlation-id': 'order-42' } });

    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ status: 'queued', waMessageId: waMessageIdFor(reply.body.messageId) });
    const command = await h.deps.commands.get(a.tenantId, idle, reply.body.messageId);
    expect(command).toMatchObject({
      type: 'send_message',
      status: 'queued',
      payload: { type: 'text', text: 'hello', to: '4915112345678@s.whatsapp.net' },
      waMessageId: waMessageIdFor(reply.body.messageId),
      correlationId: 'order-42',
    });
    expect(reply.headers['x-correlation-id']).toBe('order-42');
  });

  it('leaves the command queued in DynamoDB when no runner holds the session', async () => {
    const reply = await send(idle, { to: '+4915112345678', type: 'text', text: 'later' });
    const queued = await h.deps.commands.listQueued(a.tenantId, idle, { limit: 50 });
    expect(queued.items.map((command) => command.commandId)).toContain(reply.body.messageId);
    expect(await drainSlot(h, 0)).toEqual([]);
  });

  it('delivers the command to the owner\'s slot queue when the session is live', async () => {
    await drainSlot(h, 1);
    const reply = await send(live, { to: '4915112345678@s.whatsapp.net', type: 'text', text: 'now' });
    expect(await drainSlot(h, 1)).toEqual([{ v: 1, tenantId: a.tenantId, sessionId: live, commandId: reply.body.messageId }]);
  });

  it('still answers 202 when the queue send fails after the write: the command waits for re-drive', async () => {
    const failing = await apiHarness({
      override: () => ({ delivery: { send: async () => Promise.reject(new DependencyError('sqs', 'unreachable')) } }),
    });
    try {
      const tenant = await failing.createTenant();
      const session = (await failing.call({ method: 'POST', path: '/v1/sessions', key: tenant.apiKey })).body.id;
      await ownedBy(failing, tenant.tenantId, session, 'open');

      const reply = await failing.call({
        method: 'POST',
        path: `/v1/sessions/${session}/messages`,
        key: tenant.apiKey,
        body: { to: '+4915112345678', type: 'text', text: 'x' },
      });

      expect(reply.status).toBe(202);
      const queued = await failing.deps.commands.listQueued(tenant.tenantId, session, { limit: 10 });
      expect(queued.items.map((command) => command.commandId)).toEqual([reply.body.messageId]);
    } finally {
      failing.close();
    }
  });

  it('expires commands at the configured TTL, or sooner when the request asks', async () => {
    const before = Date.now();
    const capped = await send(idle, { to: '+4915112345678', type: 'text', text: 'x', expiresInSeconds: 999_999 });
    const short = await send(idle, { to: '+4915112345678', type: 'text', text: 'x', expiresInSeconds: 60 });
    expect(Date.parse(capped.body.notAfter) - before).toBeGreaterThanOrEqual(3_599_000);
    expect(Date.parse(capped.body.notAfter) - before).toBeLessThan(3_700_000);
    expect(Date.parse(short.body.notAfter) - before).toBeLessThan(70_000);
  });

  it.each([
    { type: 'image', url: 'https://cdn.example.com/a.jpg', caption: 'look', mimetype: 'image/jpeg' },
    { type: 'video', url: 'https://cdn.example.com/a.mp4' },
    { type: 'audio', url: 'https://cdn.example.com/a.ogg', ptt: true },
    { type: 'document', url: 'https://cdn.example.com/a.pdf', filename: 'invoice.pdf', mimetype: 'application/pdf' },
    { type: 'location', latitude: 52.52, longitude: 13.405, name: 'Berlin' },
    { type: 'contact', contact: { fullName: 'Ada Lovelace', phoneNumber: '+441234567890' } },
    { type: 'reaction', messageId: '3EB0ABCDEF', emoji: '👍' },
    { type: 'text', text: 'as a reply', replyTo: '3EB0ABCDEF' },
  ])('accepts $type content', async (content) => {
    const reply = await send(idle, { to: '+4915112345678', ...content });
    expect(reply.status).toBe(202);
    expect((await h.deps.commands.get(a.tenantId, idle, reply.body.messageId))?.payload).toMatchObject(content);
  });

  it('refuses an invalid recipient with its field path', async () => {
    const reply = await send(idle, { to: '+1 000', type: 'text', text: 'x' });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details).toEqual([{ in: 'body', path: 'to', message: expect.any(String) }]);
  });

  it('refuses invalid content with field paths', async () => {
    const reply = await send(idle, { to: '+4915112345678', type: 'image', url: 'ftp://x/y' });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details).toEqual([expect.objectContaining({ in: 'body', path: 'url' })]);
    const unknown = await send(idle, { to: '+4915112345678', type: 'sticker' });
    expect(unknown.body.error.details).toEqual([expect.objectContaining({ path: 'type' })]);
  });

  it('answers 413 for a text over WhatsApp\'s limit and for a body over the size limit', async () => {
    const text = await send(idle, { to: '+4915112345678', type: 'text', text: 'x'.repeat(MAX_TEXT_LENGTH + 1) });
    expect(text.status).toBe(413);
    expect(text.body.error.code).toBe('text_too_large');
    const body = await send(idle, { to: '+4915112345678', type: 'text', text: 'x', pad: 'y'.repeat(300_000) });
    expect(body.status).toBe(413);
    expect(body.body.error.code).toBe('payload_too_large');
  });

  it('answers 415 for a body that is not JSON, and 400 for JSON that does not parse', async () => {
    const form = await h.call({
      method: 'POST',
      path: `/v1/sessions/${idle}/messages`,
      key: a.apiKey,
      body: 'to=1&type=text',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    const broken = await h.call({ method: 'POST', path: `/v1/sessions/${idle}/messages`, key: a.apiKey, body: '{"to":' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('invalid_json');
  });

  it('reads a message\'s status trail as the runner and receipts advance it', async () => {
    const { messageId } = (await send(idle, { to: '+4915112345678', type: 'text', text: 'x' })).body;
    await h.deps.commands.transition(a.tenantId, idle, messageId, 'sending');
    await h.deps.commands.transition(a.tenantId, idle, messageId, 'sent');
    await h.deps.commands.transition(a.tenantId, idle, messageId, 'delivered', { reason: 'receipt' });

    const reply = await h.call({ method: 'GET', path: `/v1/sessions/${idle}/messages/${messageId}`, key: a.apiKey });

    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ messageId, sessionId: idle, type: 'text', to: '4915112345678@s.whatsapp.net', status: 'delivered' });
    expect(reply.body.trail.map((entry: { status: string }) => entry.status)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(reply.body.trail[3]).toMatchObject({ reason: 'receipt', at: expect.any(String) });
    expect(reply.body).not.toHaveProperty('payload');
  });

  it('answers 404 for an unknown message and for a command that is not a message', async () => {
    expect((await h.call({ method: 'GET', path: `/v1/sessions/${idle}/messages/01J00000000000000000000000`, key: a.apiKey })).status).toBe(404);
    const { commandId } = (await h.call({ method: 'DELETE', path: `/v1/sessions/${live}`, key: a.apiKey })).body;
    expect((await h.call({ method: 'GET', path: `/v1/sessions/${live}/messages/${commandId}`, key: a.apiKey })).status).toBe(404);
  });

  it('isolates tenants: B can neither send through A\'s session nor read A\'s messages', async () => {
    const { messageId } = (await send(idle, { to: '+4915112345678', type: 'text', text: 'private' })).body;

    const sent = await send(idle, { to: '+4915112345678', type: 'text', text: 'x' }, { key: b.apiKey });
    const read = await h.call({ method: 'GET', path: `/v1/sessions/${idle}/messages/${messageId}`, key: b.apiKey });

    expect(sent.status).toBe(404);
    expect(read.status).toBe(404);
    expect(JSON.stringify(read.body)).not.toContain('private');
  });
});
