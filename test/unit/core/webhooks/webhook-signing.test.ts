import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { signingSecrets } from '../../../../core/webhooks/webhook-endpoint.ts';
import { newWebhookSecret, webhookHeaders } from '../../../../core/webhooks/webhook-signing.ts';
import { endpoint, event } from './builders.ts';

describe('webhook signing', () => {
  it('makes Standard Webhooks secrets of 32 random bytes', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('signs so the standardwebhooks library verifies the body and headers', () => {
    const secret = newWebhookSecret();
    const body = JSON.stringify(event());
    const headers = webhookHeaders([secret], 'delivery-1', new Date(), body);
    expect(headers['content-type']).toBe('application/json');
    expect(headers['user-agent']).toMatch(/^wa-fleet-webhooks\//);
    expect(new Webhook(secret).verify(body, headers)).toEqual(event());
    expect(() => new Webhook(secret).verify(body.replace('open', 'stopped'), headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('during a rotation signs with both secrets, and the old one stops after the overlap', () => {
    const now = Date.now();
    const rotated = endpoint({ secret: newWebhookSecret(), previousSecret: newWebhookSecret(), previousSecretExpiresAt: new Date(now + 60_000).toISOString() });
    const body = JSON.stringify(event());

    const during = webhookHeaders(signingSecrets(rotated, now), 'delivery-1', new Date(now), body);
    expect(during['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(() => new Webhook(rotated.secret).verify(body, during)).not.toThrow();
    expect(() => new Webhook(rotated.previousSecret!).verify(body, during)).not.toThrow();

    const after = webhookHeaders(signingSecrets(rotated, now + 60_001), 'delivery-1', new Date(now), body);
    expect(after['webhook-signature']?.split(' ')).toHaveLength(1);
    expect(() => new Webhook(rotated.secret).verify(body, after)).not.toThrow();
    expect(() => new Webhook(rotated.previousSecret!).verify(body, after)).toThrow(WebhookVerificationError);
  });
});
