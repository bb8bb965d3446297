/**
 * Configuration of the API's authorizer, read once per container from the environment and checked with zod:
 * the tenants table and the admin key's hash, nothing else. A module of its own so the authorizer's bundle
 * does not carry the API function's configuration and what it imports.
 */
import * as z from 'zod';
import { tableNameFromEnv } from '../../core/resource-config.ts';
import { hashApiKey } from '../../core/tenants/api-key.ts';
import { parseEnv } from './parse-env.ts';

export interface AuthorizerConfig {
  readonly tenantsTable: string;
  /** Hex SHA-256 of the admin key: the only form in which the authorizer keeps it. */
  readonly adminKeyHash: string;
}

const authorizerSchema = z
  .object({
    /** The admin key itself (local stack, tests). */
    ADMIN_API_KEY: z.string().min(24, 'ADMIN_API_KEY must be at least 24 characters').optional(),
    /** Or only its hex SHA-256 (AWS: read from SSM at deploy time, so the key is in no template or environment). */
    ADMIN_API_KEY_SHA256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'ADMIN_API_KEY_SHA256 must be a hex SHA-256')
      .transform((hash) => hash.toLowerCase())
      .optional(),
  })
  .refine((value) => value.ADMIN_API_KEY !== undefined || value.ADMIN_API_KEY_SHA256 !== undefined, {
    message: 'set ADMIN_API_KEY or ADMIN_API_KEY_SHA256',
    path: ['ADMIN_API_KEY'],
  });

export function loadAuthorizerConfig(env: NodeJS.ProcessEnv = process.env): AuthorizerConfig {
  const parsed = parseEnv(authorizerSchema, env);
  const fromKey = parsed.ADMIN_API_KEY === undefined ? undefined : hashApiKey(parsed.ADMIN_API_KEY);
  if (fromKey && parsed.ADMIN_API_KEY_SHA256 && fromKey !== parsed.ADMIN_API_KEY_SHA256) {
    throw new Error('invalid API configuration: ADMIN_API_KEY and ADMIN_API_KEY_SHA256 disagree');
  }
  return { tenantsTable: tableNameFromEnv('tenants', env), adminKeyHash: (parsed.ADMIN_API_KEY_SHA256 ?? fromKey)! };
}
