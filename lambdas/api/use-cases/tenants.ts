/**
 * Tenants and their API keys: creating a tenant (admin), and creating, listing and revoking keys. A key is
 * shown exactly once, in the response that creates it; only its hash is stored.
 */
import type { Clock } from '../../../core/clock.ts';
import { ConflictError, NotFoundError } from '../../../core/errors.ts';
import { newId } from '../../../core/ids.ts';
import { generateApiKey } from '../../../core/tenants/api-key.ts';
import type { ApiKeyRecord, TenantRecord, TenantStore } from '../../../core/tenants/tenant-store.ts';

export interface TenantDeps {
  readonly tenants: TenantStore;
  readonly clock: Clock;
}

/** Active keys a tenant may hold at once: enough for rotation across several services. */
export const MAX_ACTIVE_KEYS = 20;

export interface IssuedKey {
  readonly key: ApiKeyRecord;
  /** The secret, shown once. */
  readonly apiKey: string;
}

/** Creates a tenant with its first API key. */
export async function createTenant(deps: TenantDeps, input: { name: string }): Promise<{ tenant: TenantRecord; issued: IssuedKey }> {
  const tenant = await deps.tenants.createTenant({ tenantId: newId(deps.clock.now()), name: input.name });
  const issued = await issueKey(deps, tenant.tenantId, 'default');
  return { tenant, issued };
}

/** Creates another key for an existing tenant. */
export async function createKey(deps: TenantDeps, input: { tenantId: string; name?: string }): Promise<IssuedKey> {
  if (!(await deps.tenants.getTenant(input.tenantId))) throw new NotFoundError('Tenant', 'tenant_not_found');
  const active = (await deps.tenants.listKeys(input.tenantId)).filter((key) => !key.revokedAt);
  if (active.length >= MAX_ACTIVE_KEYS) {
    throw new ConflictError('key_limit_reached', `A tenant may hold at most ${MAX_ACTIVE_KEYS} active keys; revoke one first`);
  }
  return issueKey(deps, input.tenantId, input.name);
}

export async function listKeys(deps: TenantDeps, tenantId: string): Promise<ApiKeyRecord[]> {
  return deps.tenants.listKeys(tenantId);
}

/** Revokes a key; the authorizer refuses it from the next request on. Revoking twice is harmless. */
export async function revokeKey(deps: TenantDeps, input: { tenantId: string; keyId: string }): Promise<ApiKeyRecord> {
  const revoked = await deps.tenants.revokeKey(input.tenantId, input.keyId);
  if (!revoked) throw new NotFoundError('Key', 'key_not_found');
  return revoked;
}

async function issueKey(deps: TenantDeps, tenantId: string, name: string | undefined): Promise<IssuedKey> {
  const keyId = newId(deps.clock.now());
  const { apiKey, hash } = generateApiKey({ tenantId, keyId });
  const key = await deps.tenants.createKey({ tenantId, keyId, name, hash });
  return { key, apiKey };
}
