/**
 * Who is calling: the authorizer decides (lambdas/api/authorizer.ts), API Gateway passes its `context` to
 * the API function in `event.requestContext.authorizer`, and the API trusts it. Locally the HTTP layer runs
 * the same authorizer and puts the same context there.
 */
import * as z from 'zod';

export type Role = 'admin' | 'tenant';

export interface TenantPrincipal {
  readonly role: 'tenant';
  readonly tenantId: string;
  readonly keyId: string;
}

export interface AdminPrincipal {
  readonly role: 'admin';
  readonly keyId: 'admin';
}

export type Principal = TenantPrincipal | AdminPrincipal;

/** The authorizer's context as API Gateway carries it (string values only). */
export interface AuthorizerContext {
  readonly tenantId: string;
  readonly keyId: string;
  readonly role: Role;
  readonly [key: string]: string;
}

export function authorizerContext(principal: Principal): AuthorizerContext {
  return principal.role === 'admin'
    ? { tenantId: '', keyId: principal.keyId, role: 'admin' }
    : { tenantId: principal.tenantId, keyId: principal.keyId, role: 'tenant' };
}

const contextSchema = z.union([
  z.object({ role: z.literal('tenant'), tenantId: z.string().min(1).max(64), keyId: z.string().min(1).max(64) }),
  z.object({ role: z.literal('admin') }),
]);

/** The principal from an authorizer context, or undefined when there is none or it is malformed. */
export function principalFromContext(context: unknown): Principal | undefined {
  const parsed = contextSchema.safeParse(context);
  if (!parsed.success) return undefined;
  return parsed.data.role === 'admin'
    ? { role: 'admin', keyId: 'admin' }
    : { role: 'tenant', tenantId: parsed.data.tenantId, keyId: parsed.data.keyId };
}
