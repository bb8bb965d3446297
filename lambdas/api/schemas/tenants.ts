/** Request and response schemas of tenants and API keys. */
import * as z from 'zod';
import { idParam, timestamp } from './common.ts';

export const createTenantBody = z.object({ name: z.string().trim().min(1).max(100) }).strict().meta({ id: 'CreateTenantRequest' });

export const tenantCreated = z
  .object({
    tenantId: z.string(),
    name: z.string(),
    keyId: z.string(),
    apiKey: z.string().meta({ description: 'The tenant\'s first API key. Shown once: store it now.' }),
    createdAt: timestamp,
  })
  .meta({ id: 'TenantCreated' });

export const createKeyBody = z
  .object({
    name: z.string().trim().min(1).max(64).optional().meta({ description: 'A label to tell keys apart.' }),
    tenantId: idParam.optional().meta({ description: 'Admin only: the tenant to create the key for.' }),
  })
  .strict()
  .meta({ id: 'CreateKeyRequest' });

export const keyView = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string().optional(),
    createdAt: timestamp,
    revokedAt: timestamp.optional(),
  })
  .meta({ id: 'ApiKey' });

export const keyCreated = keyView
  .extend({ apiKey: z.string().meta({ description: 'The key. Shown once: store it now.' }) })
  .meta({ id: 'ApiKeyCreated' });

export const keyList = z.object({ items: z.array(keyView) }).meta({ id: 'ApiKeyList' });

export const keyParams = z.object({ id: idParam });

export const adminTenantQuery = z.object({
  tenantId: idParam.optional().meta({ description: 'Admin only: whose keys.' }),
});
