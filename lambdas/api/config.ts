/**
 * Configuration of the API function, read once per container from the environment and checked with zod: a
 * missing or malformed variable fails the cold start loudly. It asks only for what it uses: the API function
 * never sees the admin key (it trusts the authorizer's context, authorizer-config.ts) nor the auth table.
 */
import * as z from 'zod';
import { queueUrlFromEnv, slotCountFromEnv, tableNameFromEnv } from '../../core/resource-config.ts';
import { queues } from '../../core/resources.ts';
import { webhookApiConfigFromEnv, type WebhookApiConfig } from '../../core/webhooks/webhook-api-deps.ts';
import { campaignApiConfigFromEnv, type CampaignApiConfig } from '../../core/campaigns/campaign-api-deps.ts';
import { parseEnv } from './parse-env.ts';

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

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const limits = parseEnv(limitsSchema, env);
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
