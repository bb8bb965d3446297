import { describe, expect, it } from 'vitest';
import { webhookSettingsFromEnv } from '../../../../core/webhooks/webhook-settings.ts';
import { loadWebhooksConfig } from '../../../../lambdas/webhooks/config.ts';

const resources = {
  TENANTS_TABLE: 't',
  DELIVERIES_TABLE: 'd',
  DELIVERIES_QUEUE_URL: 'http://q/webhook-deliveries',
  DELIVERIES_DLQ_URL: 'http://q/webhook-deliveries-dlq',
};

describe('webhooks config', () => {
  it('defaults to the AWS posture: https only, no loopback, 5 s deadline, 30 s endpoint cache, 24 h overlap', () => {
    expect(loadWebhooksConfig(resources)).toEqual({
      tables: { tenants: 't', deliveries: 'd' },
      deliveriesQueueUrl: 'http://q/webhook-deliveries',
      deliveriesDlqUrl: 'http://q/webhook-deliveries-dlq',
      policy: { requireHttps: true, allowLoopback: false },
      timeoutMs: 5_000,
      endpointCacheMs: 30_000,
    });
    expect(webhookSettingsFromEnv({}).secretOverlapSeconds).toBe(86_400);
  });

  it('takes the local posture and limits from the environment, empty meaning unset', () => {
    const config = loadWebhooksConfig({ ...resources, WEBHOOK_REQUIRE_HTTPS: 'false', WEBHOOK_ALLOW_LOOPBACK: 'true', WEBHOOK_TIMEOUT_MS: '', WEBHOOK_ENDPOINT_CACHE_SECONDS: '0' });
    expect(config).toMatchObject({ policy: { requireHttps: false, allowLoopback: true }, timeoutMs: 5_000, endpointCacheMs: 0 });
  });

  it('fails loudly on a missing resource or a malformed setting', () => {
    expect(() => loadWebhooksConfig({ ...resources, DELIVERIES_DLQ_URL: undefined })).toThrow(/DELIVERIES_DLQ_URL/);
    expect(() => loadWebhooksConfig({ ...resources, WEBHOOK_TIMEOUT_MS: '60000' })).toThrow(/WEBHOOK_TIMEOUT_MS/);
    expect(() => loadWebhooksConfig({ ...resources, WEBHOOK_REQUIRE_HTTPS: 'sometimes' })).toThrow(/WEBHOOK_REQUIRE_HTTPS/);
  });
});
