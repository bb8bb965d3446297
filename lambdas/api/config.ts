/**
 * Configuration of the API function and of its authorizer, read once per container from the environment
 * and checked with zod: a missing or malformed variable fails the cold start loudly. Each asks only for what
 * it uses: the authorizer holds the admin key's hash and the tenants table; the API function never sees the
 * admin key (it trusts the authorizer's context) nor the auth table.
 */
import * as z from 'zod';
import { queueUrlFromEnv, slotCountFromEnv, tableNameFromEnv } from '../../core/resource-config.ts';
import { queues } from '../../core/resources.ts';
import { hashApiKey } from '../../core/tenants/api-key.ts';
import { webhookApiConfigFromEnv, type WebhookApiConfig } from '../../core/webhooks/webhook-api-deps.ts';
import { campaignApiConfigFromEnv, type CampaignApiConfig } from '../../core/campaigns/campaign-api-deps.ts';

const positiveInt = (fallback: number, max: number) => z.coerce.number().int().min(1).max(max).default(fallback);

const limitsSchema = z.object({
  /** Largest accepted request body, in bytes (413 beyond it). */
  MAX_BODY_BYTES: positiveInt(256 * 1024, 6 * 1024 * 1024),
  /** Requests per tenant per second; 0 switches the limiter off. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(0).max(100_000).default(50),
  /** How long an accepted command may wait before it expires instead of going out late (default 24 h). */
  COMMAND_TTL_SECONDS: positiveInt(24 * 3600, 14 * 24 * 3600),
  /** How long the API waits for a runner's answer to a pairing-code or contacts request. */
  RUNNER_REPLY_TIMEOUT_MS: positiveInt(10_000, 25_000),
  /** How long an Idempotency-Key is remembered. */
  IDEMPOTENCY_TTL_SECONDS: positiveInt(24 * 3600, 7 * 24 * 3600),
});

export interface ApiConfig {
  readonly tables: { readonly tenants: string; readonly sessions: string; readonly commands: string; readonly idempotency: string };
  readonly commandQueueUrlTemplate: string;
  readonly slotCount: number;
  readonly maxBodyBytes: number;
  readonly rateLimitPerSecond: number;
  readonly commandTtlSeconds: number;
  readonly runnerReplyTimeoutMs: number;
  readonly idempotencyTtlSeconds: number;
  /** Webhook tables, queue and settings (WEBHOOK_*), for the /v1/webhooks routes. */
  readonly webhooks: WebhookApiConfig;
  /** Campaign tables, imports bucket and limits (CAMPAIGN_*), for the /v1/campaigns and /v1/suppressions routes. */
  readonly campaigns: CampaignApiConfig;
}

export interface AuthorizerConfig {
  readonly tenantsTable: string;
  /** Hex SHA-256 of the admin key: the only form in which the authorizer keeps it. */
  readonly adminKeyHash: string;
}

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const limits = parse(limitsSchema, env);
  return {
    tables: {
      tenants: tableNameFromEnv('tenants', env),
      sessions: tableNameFromEnv('sessions', env),
      commands: tableNameFromEnv('commands', env),
      idempotency: tableNameFromEnv('idempotency', env),
    },
    commandQueueUrlTemplate: queueUrlFromEnv(queues.commands, env),
    slotCount: slotCountFromEnv(env),
    maxBodyBytes: limits.MAX_BODY_BYTES,
    rateLimitPerSecond: limits.RATE_LIMIT_PER_SECOND,
    commandTtlSeconds: limits.COMMAND_TTL_SECONDS,
    runnerReplyTimeoutMs: limits.RUNNER_REPLY_TIMEOUT_MS,
    idempotencyTtlSeconds: limits.IDEMPOTENCY_TTL_SECONDS,
    webhooks: webhookApiConfigFromEnv(env),
    campaigns: campaignApiConfigFromEnv(env),
  };
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
  const parsed = parse(authorizerSchema, env);
  const fromKey = parsed.ADMIN_API_KEY === undefined ? undefined : hashApiKey(parsed.ADMIN_API_KEY);
  if (fromKey && parsed.ADMIN_API_KEY_SHA256 && fromKey !== parsed.ADMIN_API_KEY_SHA256) {
    throw new Error('invalid API configuration: ADMIN_API_KEY and ADMIN_API_KEY_SHA256 disagree');
  }
  return { tenantsTable: tableNameFromEnv('tenants', env), adminKeyHash: (parsed.ADMIN_API_KEY_SHA256 ?? fromKey)! };
}

function parse<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid API configuration: ${problems}`);
  }
  return result.data;
}
