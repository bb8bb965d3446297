/**
 * Authentication: turns an `Authorization: Bearer <key>` header into a principal, or refuses it. Run by the
 * Lambda REQUEST authorizer in AWS and by the local HTTP layer (through the same authorizer handler).
 *
 * A tenant key names its tenant and key id (core/tenants/api-key.ts), so verifying it is one strongly
 * consistent read plus a constant-time hash comparison; a revoked key fails on its next request. The admin
 * key is compared as a SHA-256 digest in constant time; only its digest is kept in memory after boot.
 */
import { UnauthorizedError } from '../../../core/errors.ts';
import { API_KEY_PREFIX, hashApiKey, hashesEqual, parseApiKey } from '../../../core/tenants/api-key.ts';
import type { TenantStore } from '../../../core/tenants/tenant-store.ts';
import type { Principal } from '../principal.ts';

export interface AuthenticateDeps {
  readonly tenants: Pick<TenantStore, 'getKey'>;
  /** Hex SHA-256 of ADMIN_API_KEY. */
  readonly adminKeyHash: string;
}

const BEARER = /^Bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i;

/** The caller behind an Authorization header value; UnauthorizedError when there is none or it is not valid. */
export async function authenticate(deps: AuthenticateDeps, authorization: string | undefined): Promise<Principal> {
  const token = BEARER.exec(authorization ?? '')?.[1];
  if (!token) throw new UnauthorizedError();
  const presented = hashApiKey(token);
  if (token.startsWith(API_KEY_PREFIX)) {
    const parts = parseApiKey(token);
    if (!parts) throw new UnauthorizedError();
    const key = await deps.tenants.getKey(parts.tenantId, parts.keyId);
    if (!key || key.revokedAt || !hashesEqual(presented, key.hash)) throw new UnauthorizedError();
    return { role: 'tenant', tenantId: parts.tenantId, keyId: parts.keyId };
  }
  if (hashesEqual(presented, deps.adminKeyHash)) return { role: 'admin', keyId: 'admin' };
  throw new UnauthorizedError();
}
