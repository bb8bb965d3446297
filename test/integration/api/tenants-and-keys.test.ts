import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, apiHarness, type ApiHarness, type Tenant } from './support/api-harness.ts';

describe('tenants and API keys', () => {
  let h: ApiHarness;
  let a: Tenant;
  let b: Tenant;

  beforeAll(async () => {
    h = await apiHarness();
    a = await h.createTenant('Tenant A');
    b = await h.createTenant('Tenant B');
  });
  afterAll(() => h.close());

  it('creates a tenant with the admin key and shows its first key once, stored only as a hash', async () => {
    const reply = await h.call({ method: 'POST', path: '/v1/tenants', key: ADMIN_KEY, body: { name: 'Fresh' } });

    expect(reply.status).toBe(201);
    expect(reply.body.apiKey).toMatch(new RegExp(`^waf_live_${reply.body.tenantId}_${reply.body.keyId}_[A-Za-z0-9_-]{43}$`));
    const stored = await h.deps.tenants.getKey(reply.body.tenantId, reply.body.keyId);
    expect(JSON.stringify(stored)).not.toContain(reply.body.apiKey.split('_').pop());
    expect(stored?.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lets the new key in as its tenant', async () => {
    const reply = await h.call({ method: 'GET', path: '/v1/sessions', key: a.apiKey });
    expect(reply.status).toBe(200);
  });

  it('refuses tenant creation to tenant keys and to callers without a valid key', async () => {
    expect((await h.call({ method: 'POST', path: '/v1/tenants', key: a.apiKey, body: { name: 'x' } })).status).toBe(403);
    expect((await h.call({ method: 'POST', path: '/v1/tenants', body: { name: 'x' } })).status).toBe(401);
    expect((await h.call({ method: 'POST', path: '/v1/tenants', key: `${ADMIN_KEY}x`, body: { name: 'x' } })).status).toBe(401);
    const forged = a.apiKey.slice(0, -4) + (a.apiKey.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await h.call({ method: 'GET', path: '/v1/sessions', key: forged })).status).toBe(401);
  });

  it('refuses the admin key on tenant routes', async () => {
    const reply = await h.call({ method: 'GET', path: '/v1/sessions', key: ADMIN_KEY });
    expect(reply.status).toBe(403);
    expect(reply.body.error.code).toBe('tenant_key_required');
  });

  it('creates, lists and revokes keys; a revoked key is refused on its next request', async () => {
    const created = await h.call({ method: 'POST', path: '/v1/keys', key: a.apiKey, body: { name: 'ci' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ tenantId: a.tenantId, name: 'ci' });
    expect((await h.call({ method: 'GET', path: '/v1/sessions', key: created.body.apiKey })).status).toBe(200);

    const listed = await h.call({ method: 'GET', path: '/v1/keys', key: a.apiKey });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((key: { id: string }) => key.id)).toContain(created.body.id);
    expect(JSON.stringify(listed.body)).not.toMatch(/apiKey|hash|waf_live_/);

    const revoked = await h.call({ method: 'DELETE', path: `/v1/keys/${created.body.id}`, key: a.apiKey });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toBeDefined();
    expect((await h.call({ method: 'GET', path: '/v1/sessions', key: created.body.apiKey })).status).toBe(401);
    expect((await h.call({ method: 'GET', path: '/v1/sessions', key: a.apiKey })).status).toBe(200);
  });

  it('lets the admin manage any tenant\'s keys by naming the tenant', async () => {
    const created = await h.call({ method: 'POST', path: '/v1/keys', key: ADMIN_KEY, body: { tenantId: b.tenantId, name: 'ops' } });
    expect(created.status).toBe(201);
    expect(created.body.tenantId).toBe(b.tenantId);
    const listed = await h.call({ method: 'GET', path: '/v1/keys', key: ADMIN_KEY, query: { tenantId: b.tenantId } });
    expect(listed.body.items.map((key: { id: string }) => key.id)).toContain(created.body.id);
    const missing = await h.call({ method: 'GET', path: '/v1/keys', key: ADMIN_KEY });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ in: 'query', path: 'tenantId', message: expect.any(String) }]);
    const unknown = await h.call({ method: 'POST', path: '/v1/keys', key: ADMIN_KEY, body: { tenantId: '01J0000000000000000000NONE' } });
    expect(unknown.status).toBe(404);
  });

  it('isolates tenants: B cannot see, revoke or create A\'s keys', async () => {
    const aKeys = await h.call({ method: 'GET', path: '/v1/keys', key: a.apiKey });
    const aKeyId = aKeys.body.items[0].id as string;

    const revoke = await h.call({ method: 'DELETE', path: `/v1/keys/${aKeyId}`, key: b.apiKey });
    expect(revoke.status).toBe(404);
    expect((await h.call({ method: 'GET', path: '/v1/keys', key: b.apiKey, query: { tenantId: a.tenantId } })).status).toBe(403);
    expect((await h.call({ method: 'DELETE', path: `/v1/keys/${aKeyId}`, key: b.apiKey, query: { tenantId: a.tenantId } })).status).toBe(403);
    expect((await h.call({ method: 'POST', path: '/v1/keys', key: b.apiKey, body: { tenantId: a.tenantId } })).status).toBe(403);
    const bKeys = await h.call({ method: 'GET', path: '/v1/keys', key: b.apiKey });
    expect(bKeys.body.items.every((key: { tenantId: string }) => key.tenantId === b.tenantId)).toBe(true);
    expect((await h.call({ method: 'GET', path: '/v1/sessions', key: a.apiKey })).status).toBe(200);
  });

  it('caps the active keys of a tenant', async () => {
    const c = await h.createTenant('Many keys');
    const replies = [];
    for (let i = 0; i < 20; i++) replies.push((await h.call({ method: 'POST', path: '/v1/keys', key: c.apiKey, body: {} })).status);
    expect(replies.filter((status) => status === 201)).toHaveLength(19);
    expect(replies.at(-1)).toBe(409);
  });
});
