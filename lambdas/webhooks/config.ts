/**
 * Configuration of the webhooks functions (events consumer and retry consumer), read once per container and
 * checked with zod: a missing resource variable fails the cold start loudly.
 *
 * - WEBHOOK_REQUIRE_HTTPS (default true): refuse http:// targets. The local stack sets false.
 * - WEBHOOK_ALLOW_LOOPBACK (default false): allow 127.0.0.0/8 and ::1 targets (local mode only; private and
 *   metadata addresses stay refused).
 * - WEBHOOK_TIMEOUT_MS (default 5000): deadline of one delivery attempt.
 * - WEBHOOK_ENDPOINT_CACHE_SECONDS (default 30, 0 = off): how long a container caches a tenant's endpoints.
 */
import { z } from 'zod';
import { queueUrlFromEnv, tableNameFromEnv } from '../../core/resource-config.ts';
import { queues } from '../../core/resources.ts';
import type { SsrfPolicy } from '../../core/webhooks/ssrf-guard.ts';

export const webhookPolicySchema = z.object({
  WEBHOOK_REQUIRE_HTTPS: z.stringbool().default(true),
  WEBHOOK_ALLOW_LOOPBACK: z.stringbool().default(false),
});

const settingsSchema = webhookPolicySchema.extend({
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(5_000),
  WEBHOOK_ENDPOINT_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
});

export interface WebhooksConfig {
  readonly tables: { readonly tenants: string; readonly deliveries: string };
  readonly deliveriesQueueUrl: string;
  readonly deliveriesDlqUrl: string;
  readonly policy: SsrfPolicy;
  readonly timeoutMs: number;
  readonly endpointCacheMs: number;
}

export function loadWebhooksConfig(env: NodeJS.ProcessEnv = process.env): WebhooksConfig {
  const settings = parseSettings(settingsSchema, env, 'webhooks');
  return {
    tables: { tenants: tableNameFromEnv('tenants', env), deliveries: tableNameFromEnv('deliveries', env) },
    deliveriesQueueUrl: queueUrlFromEnv(queues.deliveries, env),
    deliveriesDlqUrl: queueUrlFromEnv(queues.deliveriesDlq, env),
    policy: { requireHttps: settings.WEBHOOK_REQUIRE_HTTPS, allowLoopback: settings.WEBHOOK_ALLOW_LOOPBACK },
    timeoutMs: settings.WEBHOOK_TIMEOUT_MS,
    endpointCacheMs: settings.WEBHOOK_ENDPOINT_CACHE_SECONDS * 1000,
  };
}

/** Parses environment settings, failing with every problem named. */
export function parseSettings<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, what: string): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid ${what} configuration: ${problems}`);
  }
  return result.data;
}
