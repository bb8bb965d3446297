/**
 * API keys: a tenant creates, lists and revokes its own keys; the admin does the same for any tenant by
 * naming it (`tenantId` in the body or query). Another tenant's key is a 404. A new key is shown once.
 */
import type { ApiKeyRecord } from '../../../core/tenants/tenant-store.ts';
import { ForbiddenError, ValidationError } from '../../../core/errors.ts';
import { json } from '../http.ts';
import type { Principal } from '../principal.ts';
import { defineRoute } from '../router.ts';
import { adminTenantQuery, createKeyBody, keyCreated, keyList, keyParams, keyView } from '../schemas/tenants.ts';
import { createKey, listKeys, revokeKey } from '../use-cases/tenants.ts';

export const keyRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/keys',
    operationId: 'createKey',
    summary: 'Create an API key',
    description: 'A tenant key creates another key for its own tenant; the admin key must name `tenantId`. The key is shown once.',
    tags: ['Keys'],
    access: 'any',
    body: createKeyBody,
    responses: { 201: { description: 'The new key.', schema: keyCreated } },
    errors: [409],
    async handle({ body, principal, deps, logger }) {
      const tenantId = targetTenant(principal, body.tenantId, 'body');
      const issued = await createKey(deps, { tenantId, name: body.name });
      logger.info('key.created', { tenantId, keyId: issued.key.keyId });
      return json(201, { ...toKeyView(issued.key), apiKey: issued.apiKey });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/keys',
    operationId: 'listKeys',
    summary: 'List API keys',
    description: 'Active and recently revoked keys, without secrets. The admin key must name `tenantId`.',
    tags: ['Keys'],
    access: 'any',
    query: adminTenantQuery,
    responses: { 200: { description: 'The keys.', schema: keyList } },
    async handle({ query, principal, deps }) {
      const tenantId = targetTenant(principal, query.tenantId, 'query');
      return json(200, { items: (await listKeys(deps, tenantId)).map(toKeyView) });
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/keys/{id}',
    operationId: 'revokeKey',
    summary: 'Revoke an API key',
    description:
      'The authorizer refuses the key from its next call (it reads keys strongly consistent); an allow API Gateway cached for it lasts at most the authorizer cache TTL.',
    tags: ['Keys'],
    access: 'any',
    params: keyParams,
    query: adminTenantQuery,
    responses: { 200: { description: 'The revoked key.', schema: keyView } },
    async handle({ params, query, principal, deps, logger }) {
      const tenantId = targetTenant(principal, query.tenantId, 'query');
      const key = await revokeKey(deps, { tenantId, keyId: params.id });
      logger.info('key.revoked', { tenantId, keyId: key.keyId });
      return json(200, toKeyView(key));
    },
  }),
];

/** The tenant a key operation acts on: the caller's own, or for the admin the one it names. */
function targetTenant(principal: Principal, requested: string | undefined, location: 'body' | 'query'): string {
  if (principal.role === 'tenant') {
    if (requested !== undefined && requested !== principal.tenantId) {
      throw new ForbiddenError('A tenant key manages its own tenant\'s keys only', 'admin_key_required');
    }
    return principal.tenantId;
  }
  if (!requested) {
    throw new ValidationError('The admin key must name the tenant', [{ in: location, path: 'tenantId', message: 'Required for the admin key' }]);
  }
  return requested;
}

function toKeyView(key: ApiKeyRecord) {
  return { id: key.keyId, tenantId: key.tenantId, name: key.name, createdAt: key.createdAt, revokedAt: key.revokedAt };
}
