import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PACING } from '../../../core/domain/session.ts';
import { apiHarness, type ApiHarness, type Tenant } from './support/api-harness.ts';
import { drainSlot, ownedBy } from './support/runner-state.ts';

describe('sessions', () => {
  let h: ApiHarness;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    h = await apiHarness();
    [a, b] = [await h.createTenant('A'), await h.createTenant('B')];
  });
  afterAll(() => h.close());

  const create = async (tenant: Tenant, body: unknown = {}) =>
    (await h.call({ method: 'POST', path: '/v1/sessions', key: tenant.apiKey, body })).body as { id: string };

  it('creates a session wanted running, with default pacing merged with overrides', async () => {
    const reply = await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey, body: { name: 'support', pacing: { perMinute: 10 } } });

    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ name: 'support', status: 'created', desiredState: 'running', pacing: { ...DEFAULT_PACING, perMinute: 10 } });
    expect((await h.deps.sessions.get(a.tenantId, reply.body.id))?.desiredState).toBe('running');
  });

  it('accepts a POST without a body', async () => {
    const reply = await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey });
    expect(reply.status).toBe(201);
  });

  it('refuses unknown fields and out-of-range pacing with field paths', async () => {
    const reply = await h.call({ method: 'POST', path: '/v1/sessions', key: a.apiKey, body: { pacing: { perMinute: 10_000 }, colour: 'red' } });
    expect(reply.status).toBe(400);
    expect(reply.body.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'body', path: 'pacing.perMinute' }),
        expect.objectContaining({ in: 'body', path: '' }),
      ]),
    );
  });

  it('reads status, phone number, owner and last disconnect as the runner reported them', async () => {
    const { id } = await create(a);
    await ownedBy(h, a.tenantId, id, 'reconnecting', {
      phoneNumber: '4915112345678',
      lastDisconnect: { code: 428, reason: 'connection_closed', at: '2026-01-01T00:00:00.000Z' },
    });

    const reply = await h.call({ method: 'GET', path: `/v1/sessions/${id}`, key: a.apiKey });

    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id,
      status: 'reconnecting',
      phoneNumber: '+4915112345678',
      ownerRunnerId: 'runner-1',
      lastDisconnect: { code: 428, reason: 'connection_closed' },
    });
    expect(reply.body).not.toHaveProperty('epoch');
    expect(reply.body).not.toHaveProperty('pk');
  });

  it('lists sessions in cursor pages, only the tenant\'s own', async () => {
    const c = await h.createTenant('C');
    const ids = [(await create(c)).id, (await create(c)).id, (await create(c)).id];
    await create(b);

    const first = await h.call({ method: 'GET', path: '/v1/sessions', key: c.apiKey, query: { limit: '2' } });
    const second = await h.call({ method: 'GET', path: '/v1/sessions', key: c.apiKey, query: { limit: '2', cursor: first.body.nextCursor } });

    expect(first.body.items).toHaveLength(2);
    expect(typeof first.body.nextCursor).toBe('string');
    expect([...first.body.items, ...second.body.items].map((s: { id: string }) => s.id).sort()).toEqual(ids.sort());
    expect(second.body.nextCursor).toBeNull();
  });

  it('refuses a cursor made for another tenant and a bad limit', async () => {
    await create(b);
    await create(b);
    const bPage = await h.call({ method: 'GET', path: '/v1/sessions', key: b.apiKey, query: { limit: '1' } });
    const stolen = await h.call({ method: 'GET', path: '/v1/sessions', key: a.apiKey, query: { cursor: bPage.body.nextCursor } });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error.code).toBe('invalid_cursor');
    const bad = await h.call({ method: 'GET', path: '/v1/sessions', key: a.apiKey, query: { limit: '0' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ in: 'query', path: 'limit' });
  });

  it('stops and starts a session (desired state)', async () => {
    const { id } = await create(a);
    const stopped = await h.call({ method: 'POST', path: `/v1/sessions/${id}/stop`, key: a.apiKey });
    expect(stopped.status).toBe(202);
    expect(stopped.body.desiredState).toBe('stopped');
    const started = await h.call({ method: 'POST', path: `/v1/sessions/${id}/start`, key: a.apiKey });
    expect(started.body.desiredState).toBe('running');
    expect((await h.deps.sessions.get(a.tenantId, id))?.desiredState).toBe('running');
  });

  it('deletes a session: gone at once, a logout command recorded and delivered to the live owner', async () => {
    const { id } = await create(a);
    await ownedBy(h, a.tenantId, id, 'open');
    await drainSlot(h, 0);

    const reply = await h.call({ method: 'DELETE', path: `/v1/sessions/${id}`, key: a.apiKey });

    expect(reply.status).toBe(202);
    const logout = await h.deps.commands.get(a.tenantId, id, reply.body.commandId);
    expect(logout).toMatchObject({ type: 'logout', status: 'queued' });
    expect(await drainSlot(h, 0)).toEqual([{ v: 1, tenantId: a.tenantId, sessionId: id, commandId: reply.body.commandId }]);
    expect((await h.call({ method: 'GET', path: `/v1/sessions/${id}`, key: a.apiKey })).status).toBe(404);
    expect((await h.call({ method: 'DELETE', path: `/v1/sessions/${id}`, key: a.apiKey })).status).toBe(404);
    expect((await h.deps.sessions.get(a.tenantId, id))?.deletedAt).toBeDefined();
  });

  it('keeps the logout queued in DynamoDB when no runner holds the session', async () => {
    const { id } = await create(a);
    const reply = await h.call({ method: 'DELETE', path: `/v1/sessions/${id}`, key: a.apiKey });
    expect(reply.status).toBe(202);
    expect((await h.deps.commands.listQueued(a.tenantId, id, { limit: 10 })).items.map((c) => c.commandId)).toEqual([reply.body.commandId]);
    expect(await drainSlot(h, 0)).toEqual([]);
  });

  describe('QR code', () => {
    it('serves the QR the runner published, as JSON and as PNG', async () => {
      const { id } = await create(a);
      const expiresAt = new Date(Date.now() + 20_000).toISOString();
      await ownedBy(h, a.tenantId, id, 'qr', { qr: '2@abc,def,ghi', qrExpiresAt: expiresAt });

      const asJson = await h.call({ method: 'GET', path: `/v1/sessions/${id}/qr`, key: a.apiKey });
      const asPng = await h.call({ method: 'GET', path: `/v1/sessions/${id}/qr`, key: a.apiKey, query: { format: 'png' } });

      expect(asJson.status).toBe(200);
      expect(asJson.body).toEqual({ qr: '2@abc,def,ghi', expiresAt });
      expect(asPng.status).toBe(200);
      expect(asPng.headers['content-type']).toBe('image/png');
      expect(asPng.raw.isBase64Encoded).toBe(true);
      expect(Buffer.from(asPng.raw.body, 'base64').subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    });

    it('answers 409 when the session does not wait for a scan, or the QR expired', async () => {
      const { id } = await create(a);
      const waiting = await h.call({ method: 'GET', path: `/v1/sessions/${id}/qr`, key: a.apiKey });
      expect(waiting.status).toBe(409);
      expect(waiting.body.error.code).toBe('session_not_waiting_for_scan');

      await ownedBy(h, a.tenantId, id, 'qr', { qr: '2@old', qrExpiresAt: new Date(Date.now() - 1_000).toISOString() });
      const expired = await h.call({ method: 'GET', path: `/v1/sessions/${id}/qr`, key: a.apiKey });
      expect(expired.status).toBe(409);
      expect(expired.body.error.code).toBe('qr_expired');
    });
  });

  it('isolates tenants: every session route answers 404 for another tenant\'s session', async () => {
    const { id } = await create(a);
    await ownedBy(h, a.tenantId, id, 'qr', { qr: '2@secret', qrExpiresAt: new Date(Date.now() + 20_000).toISOString() });

    const attempts = await Promise.all([
      h.call({ method: 'GET', path: `/v1/sessions/${id}`, key: b.apiKey }),
      h.call({ method: 'GET', path: `/v1/sessions/${id}/qr`, key: b.apiKey }),
      h.call({ method: 'POST', path: `/v1/sessions/${id}/start`, key: b.apiKey }),
      h.call({ method: 'POST', path: `/v1/sessions/${id}/stop`, key: b.apiKey }),
      h.call({ method: 'DELETE', path: `/v1/sessions/${id}`, key: b.apiKey }),
    ]);

    expect(attempts.map((reply) => reply.status)).toEqual([404, 404, 404, 404, 404]);
    expect(JSON.stringify(attempts.map((reply) => reply.body))).not.toContain('secret');
    const list = await h.call({ method: 'GET', path: '/v1/sessions', key: b.apiKey, query: { limit: '100' } });
    expect(list.body.items.map((s: { id: string }) => s.id)).not.toContain(id);
    const still = await h.deps.sessions.get(a.tenantId, id);
    expect(still).toMatchObject({ desiredState: 'running' });
    expect(still?.deletedAt).toBeUndefined();
  });
});
