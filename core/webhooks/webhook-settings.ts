/**
 * Webhook settings shared by every function that touches webhooks (the delivery consumers and the API),
 * read from the environment once per container and checked with zod, like core/resource-config.ts:
 *
 * - WEBHOOK_REQUIRE_HTTPS (default true): refuse http:// targets. The local stack sets false.
 * - WEBHOOK_ALLOW_LOOPBACK (default false): allow 127.0.0.0/8 and ::1 targets (local mode only; private and
 *   metadata addresses stay refused).
 * - WEBHOOK_TIMEOUT_MS (default 5000, max 10000): deadline of one delivery attempt.
 * - WEBHOOK_ENDPOINT_CACHE_SECONDS (default 30, 0 = off): how long a container caches a tenant's endpoints.
 * - WEBHOOK_SECRET_OVERLAP_SECONDS (default 86400): how long a rotated-out secret keeps signing.
 */
import * as z from 'zod';
import type { SsrfPolicy } from './ssrf-guard.ts';

const schema = z.object({
  WEBHOOK_REQUIRE_HTTPS: z.stringbool().default(true),
  WEBHOOK_ALLOW_LOOPBACK: z.stringbool().default(false),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(10_000).default(5_000),
  WEBHOOK_ENDPOINT_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  WEBHOOK_SECRET_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(7 * 24 * 3600).default(24 * 3600),
});

export interface WebhookSettings {
  readonly policy: SsrfPolicy;
  readonly timeoutMs: number;
  readonly endpointCacheMs: number;
  readonly secretOverlapSeconds: number;
}

export function webhookSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  // An empty variable means unset.
  const present = Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith('WEBHOOK_') && value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid webhook configuration: ${problems}`);
  }
  const s = result.data;
  return {
    policy: { requireHttps: s.WEBHOOK_REQUIRE_HTTPS, allowLoopback: s.WEBHOOK_ALLOW_LOOPBACK },
    timeoutMs: s.WEBHOOK_TIMEOUT_MS,
    endpointCacheMs: s.WEBHOOK_ENDPOINT_CACHE_SECONDS * 1000,
    secretOverlapSeconds: s.WEBHOOK_SECRET_OVERLAP_SECONDS,
  };
}
