/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): secrets are `whsec_` + base64 of 32 random
 * bytes; each request carries `webhook-id`, `webhook-timestamp` (epoch seconds) and `webhook-signature`, a
 * space-separated list of `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. During a secret rotation both the
 * new and the previous secret sign, so receivers verifying with either accept the request.
 */
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export const SECRET_PREFIX = 'whsec_';

export const WEBHOOK_USER_AGENT = 'wa-fleet-webhooks/1 (+https://www.standardwebhooks.com)';

/** A new signing secret in the Standard Webhooks format. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The `webhook-signature` header value: one `v1,` signature per secret, in the order given. */
export function signatureHeader(secrets: readonly string[], webhookId: string, timestamp: Date, body: string): string {
  if (secrets.length === 0) throw new Error('no signing secret');
  return secrets.map((secret) => new Webhook(secret).sign(webhookId, timestamp, body)).join(' ');
}

/** Every header of a webhook request (content type and user agent included). */
export function webhookHeaders(secrets: readonly string[], webhookId: string, timestamp: Date, body: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': WEBHOOK_USER_AGENT,
    'webhook-id': webhookId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signatureHeader(secrets, webhookId, timestamp, body),
  };
}
