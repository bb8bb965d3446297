/** Admin: tenants. `POST /v1/tenants` creates a tenant and its first API key (shown once). */
import { json } from '../http.ts';
import { defineRoute } from '../router.ts';
import { createTenantBody, tenantCreated } from '../schemas/tenants.ts';
import { createTenant } from '../use-cases/tenants.ts';

export const tenantRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/tenants',
    operationId: 'createTenant',
    summary: 'Create a tenant',
    description: 'Admin key only. Returns the tenant id and its first API key; the key is shown once and stored only as a hash.',
    tags: ['Tenants'],
    access: 'admin',
    body: createTenantBody,
    responses: { 201: { description: 'The tenant and its first key.', schema: tenantCreated } },
    async handle({ body, deps, logger }) {
      const { tenant, issued } = await createTenant(deps, body);
      logger.info('tenant.created', { tenantId: tenant.tenantId, keyId: issued.key.keyId });
      return json(201, {
        tenantId: tenant.tenantId,
        name: tenant.name,
        keyId: issued.key.keyId,
        apiKey: issued.apiKey,
        createdAt: tenant.createdAt,
      });
    },
  }),
];
