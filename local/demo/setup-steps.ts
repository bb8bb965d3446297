/**
 * Demo steps 1 and 2: a tenant created with the admin key (its first API key comes back once), and the
 * demo's receiver registered as the tenant's webhook endpoint (its signing secret comes back once).
 */
import * as z from 'zod';
import { expectStatus, parseBody } from './demo-http.ts';
import { STEPS, stepLabel, type DemoWorld } from './demo-world.ts';

export interface Tenant {
  readonly tenantId: string;
  readonly apiKey: string;
}

const tenantCreated = z.object({ tenantId: z.string().min(1), apiKey: z.string().min(1) });
const webhookCreated = z.object({ id: z.string().min(1), secret: z.string().startsWith('whsec_') });

/** The tenant's key as the curl commands show it. */
export const tenantBearer = (tenant: Tenant) => ({ token: tenant.apiKey, shown: '$KEY' });

export async function createTenant(world: DemoWorld, name = 'demo'): Promise<Tenant> {
  const step = STEPS.tenant;
  world.reporter.step(step, 'Only the admin key may create tenants. The answer holds the tenant\'s first API key, shown once and stored only as a hash.');
  const response = await world.api.send(stepLabel(step), {
    method: 'POST',
    path: '/v1/tenants',
    bearer: { token: world.adminKey, shown: '$ADMIN' },
    body: { name },
  });
  world.reporter.request(response.curl);
  expectStatus(stepLabel(step), response, 201);
  const tenant = parseBody(stepLabel(step), response, tenantCreated);
  world.reporter.result(`201 Created: tenant ${tenant.tenantId}, with its API key`);
  world.reporter.exports({ KEY: tenant.apiKey });
  return tenant;
}

export interface Webhook {
  readonly id: string;
}

export async function registerWebhook(world: DemoWorld, tenant: Tenant): Promise<Webhook> {
  const step = STEPS.webhook;
  world.reporter.step(
    step,
    `Every event of the tenant's sessions will be POSTed to the demo's receiver at ${world.receiver.url}, signed per Standard Webhooks. ` +
      'The receiver verifies each signature with the secret that comes back here (shown once).',
  );
  const response = await world.api.send(stepLabel(step), {
    method: 'POST',
    path: '/v1/webhooks',
    bearer: tenantBearer(tenant),
    body: { url: world.receiver.url, description: 'npm run demo' },
  });
  world.reporter.request(response.curl);
  expectStatus(stepLabel(step), response, 201);
  const created = parseBody(stepLabel(step), response, webhookCreated);
  world.receiver.trust(created.secret);
  world.reporter.result(`201 Created: endpoint ${created.id}, secret ${created.secret.slice(0, 10)}... handed to the receiver`);
  return { id: created.id };
}
