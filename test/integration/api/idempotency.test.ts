import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHarness, type ApiHarness, type Tenant } from './support/api-harness.ts';

describe('Idempotency-Key on POSTs', () => {
  let h: ApiHarness;
  let a: Tenant;
  let b: Tenant;
  let session: string;
  let other: string;

  beforeAll(async () => {
    h = await apiHarness();
    [a, b] = [await h.createTenant('A'), await h.createTenant('B')];
    session = (await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey })).body.id;
    other = (await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey })).body.id;
  });
  afterAll(() => h.close());

  const send = (tenant: Tenant, sessionId: string, key: string, body: unknown) =>
    h.call({ method: 'POST', path: `/v1/sessions/${sessionId}/messages`, key: tenant.apiKey, body, headers: { 'Idempotency-Key': key } });
  const queuedIds = async (tenantId: string, sessionId: string) =>
    (await h.deps.commands.listQueued(tenantId, sessionId, { limit: 100 })).items.map((command) => command.commandId);

  it('replays the first response for the same key and body, and records one command', async () => {
    const body = { to: '+4915112345678', type: 'text', text: 'once' };
    const first = await send(a, session, 'order-1', body);
    const replay = await send(a, session, 'order-1', { text: 'once', type: 'text', to: '+4915112345678' });

    expect(first.status).toBe(202);
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual(first.body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect((await queuedIds(a.tenantId, session)).filter((id) => id === first.body.messageId)).toHaveLength(1);
    expect(await queuedIds(a.tenantId, session)).toHaveLength(1);
  });

  it('answers 422 for the same key with a different body', async () => {
    await send(a, session, 'order-2', { to: '+4915112345678', type: 'text', text: 'first' });
    const reused = await send(a, session, 'order-2', { to: '+4915112345678', type: 'text', text: 'second' });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('idempotency_key_reused');
  });

  it('scopes keys by tenant and by path', async () => {
    const body = { to: '+4915112345678', type: 'text', text: 'scoped' };
    const inA = await send(a, session, 'shared-key', body);
    const inOtherSession = await send(a, other, 'shared-key', body);
    const bSession = (await h.call({ method: 'POST', path: '/v1/sessions', key: b.apiKey })).body.id;
    const inB = await send(b, bSession, 'shared-key', body);

    expect([inA.status, inOtherSession.status, inB.status]).toEqual([202, 202, 202]);
    expect(new Set([inA.body.messageId, inOtherSession.body.messageId, inB.body.messageId]).size).toBe(3);
    expect(inB.headers['idempotent-replayed']).toBeUndefined();
  });

  it('forgets a key whose request failed, so a corrected retry goes through', async () => {
    const failed = await send(a, session, 'fix-me', { to: 'nobody', type: 'text', text: 'x' });
    const fixed = await send(a, session, 'fix-me', { to: '+4915112345678', type: 'text', text: 'x' });
    expect(failed.status).toBe(400);
    expect(fixed.status).toBe(202);
  });

  it('makes session creation idempotent too, and stores record ids under the tenant', async () => {
    const first = await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey, body: { name: 'x' }, headers: { 'Idempotency-Key': 'create-1' } });
    const again = await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey, body: { name: 'x' }, headers: { 'Idempotency-Key': 'create-1' } });
    expect(again.body.id).toBe(first.body.id);
    const scan = await h.aws.clients.doc.send(new ScanCommand({ TableName: h.deps.config.tables.idempotency }));
    expect(scan.Items?.length).toBeGreaterThan(0);
    expect(scan.Items?.every((item) => String(item.id).startsWith(`${a.tenantId}#`) || String(item.id).startsWith(`${b.tenantId}#`))).toBe(true);
  });

  it('answers 409 to a concurrent retry while the first request is still running', async () => {
    let release!: () => void;
    let entered!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const inDelivery = new Promise<void>((resolve) => (entered = resolve));
    const slow = await apiHarness({
      override: (deps) => ({
        delivery: {
          send: async (slot, envelope) => {
            entered();
            await held;
            return deps.delivery.send(slot, envelope);
          },
        },
      }),
    });
    try {
      const tenant = await slow.createTenant();
      const sessionId = (await slow.call({ method: 'POST', path: '/v1/sessions', key: tenant.apiKey })).body.id;
      await slow.deps.sessions.updateFromOwner(tenant.tenantId, sessionId, 1, { status: 'open', slot: 0 });
      const request = () =>
        slow.call({
          method: 'POST',
          path: `/v1/sessions/${sessionId}/messages`,
          key: tenant.apiKey,
          body: { to: '+4915112345678', type: 'text', text: 'x' },
          headers: { 'Idempotency-Key': 'concurrent' },
        });

      const first = request();
      await inDelivery;
      const concurrent = await request();
      release();

      expect(concurrent.status).toBe(409);
      expect(concurrent.body.error.code).toBe('idempotency_in_progress');
      expect((await first).status).toBe(202);
      expect((await request()).body.messageId).toBe((await first).body.messageId);
    } finally {
      release();
      slow.close();
    }
  });

  it('refuses a malformed Idempotency-Key', async () => {
    const reply = await send(a, session, 'x'.repeat(256), { to: '+4915112345678', type: 'text', text: 'x' });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details[0]).toMatchObject({ in: 'header', path: 'idempotency-key' });
  });

  it('never stores an API key: key creation ignores Idempotency-Key', async () => {
    const headers = { 'Idempotency-Key': 'key-1' };
    const first = await h.call({ method: 'POST', path: '/v1/keys', key: a.apiKey, body: {}, headers });
    const second = await h.call({ method: 'POST', path: '/v1/keys', key: a.apiKey, body: {}, headers });
    expect(second.body.id).not.toBe(first.body.id);
    const scan = await h.aws.clients.doc.send(new ScanCommand({ TableName: h.deps.config.tables.idempotency }));
    expect(JSON.stringify(scan.Items)).not.toContain('waf_live_');
  });
});
