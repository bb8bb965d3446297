import { describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../../core/tenants/api-key.ts';
import { loadApiConfig, loadAuthorizerConfig } from '../../../../lambdas/api/config.ts';

const resources = {
  TENANTS_TABLE: 't',
  SESSIONS_TABLE: 's',
  COMMANDS_TABLE: 'c',
  IDEMPOTENCY_TABLE: 'i',
  COMMANDS_QUEUE_URL_TEMPLATE: 'http://q/commands-{slot}.fifo',
  SLOT_COUNT: '4',
  // Read by the webhook routes' part of the config.
  DELIVERIES_TABLE: 'd',
  DELIVERIES_QUEUE_URL: 'http://q/webhook-deliveries',
};

describe('API config', () => {
  it('reads resources and applies documented defaults', () => {
    expect(loadApiConfig(resources)).toMatchObject({
      tables: { tenants: 't', sessions: 's', commands: 'c', idempotency: 'i' },
      commandQueueUrlTemplate: 'http://q/commands-{slot}.fifo',
      slotCount: 4,
      maxBodyBytes: 262_144,
      rateLimitPerSecond: 50,
      commandTtlSeconds: 86_400,
      runnerReplyTimeoutMs: 10_000,
      idempotencyTtlSeconds: 86_400,
    });
  });

  it('takes limits from the environment', () => {
    const config = loadApiConfig({ ...resources, RATE_LIMIT_PER_SECOND: '0', COMMAND_TTL_SECONDS: '600', MAX_BODY_BYTES: '1024' });
    expect(config).toMatchObject({ rateLimitPerSecond: 0, commandTtlSeconds: 600, maxBodyBytes: 1024 });
  });

  it('fails loudly on a missing resource or a malformed limit', () => {
    expect(() => loadApiConfig({ ...resources, SESSIONS_TABLE: undefined })).toThrow(/SESSIONS_TABLE/);
    expect(() => loadApiConfig({ ...resources, COMMAND_TTL_SECONDS: 'soon' })).toThrow(/COMMAND_TTL_SECONDS/);
    expect(() => loadApiConfig({ ...resources, RUNNER_REPLY_TIMEOUT_MS: '60000' })).toThrow(/RUNNER_REPLY_TIMEOUT_MS/);
  });

  it('keeps only the admin key\'s hash, given the key or the hash', () => {
    const hash = hashApiKey('k'.repeat(32));
    expect(loadAuthorizerConfig({ TENANTS_TABLE: 't', ADMIN_API_KEY: 'k'.repeat(32) })).toEqual({ tenantsTable: 't', adminKeyHash: hash });
    expect(loadAuthorizerConfig({ TENANTS_TABLE: 't', ADMIN_API_KEY_SHA256: hash.toUpperCase() })).toEqual({ tenantsTable: 't', adminKeyHash: hash });
    expect(loadAuthorizerConfig({ TENANTS_TABLE: 't', ADMIN_API_KEY: 'k'.repeat(32), ADMIN_API_KEY_SHA256: hash }).adminKeyHash).toBe(hash);
  });

  it('refuses a short admin key, a malformed or disagreeing hash, or neither', () => {
    expect(() => loadAuthorizerConfig({ TENANTS_TABLE: 't', ADMIN_API_KEY: 'short' })).toThrow(/ADMIN_API_KEY/);
    expect(() => loadAuthorizerConfig({ TENANTS_TABLE: 't', ADMIN_API_KEY_SHA256: 'abc' })).toThrow(/ADMIN_API_KEY_SHA256/);
    expect(() => loadAuthorizerConfig({ TENANTS_TABLE: 't', ADMIN_API_KEY: 'k'.repeat(32), ADMIN_API_KEY_SHA256: hashApiKey('other') })).toThrow(/disagree/);
    expect(() => loadAuthorizerConfig({ TENANTS_TABLE: 't' })).toThrow(/ADMIN_API_KEY/);
  });
});
