import { describe, expect, it } from 'vitest';
import { loadApiConfig, loadAuthorizerConfig } from '../../../../lambdas/api/config.ts';

const resources = {
  TENANTS_TABLE: 't',
  SESSIONS_TABLE: 's',
  COMMANDS_TABLE: 'c',
  IDEMPOTENCY_TABLE: 'i',
  COMMANDS_QUEUE_URL_TEMPLATE: 'http://q/commands-{slot}.fifo',
  SLOT_COUNT: '4',
};

describe('API config', () => {
  it('reads resources and applies documented defaults', () => {
    expect(loadApiConfig(resources)).toEqual({
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

  it('gives the authorizer the admin key and refuses a short one', () => {
    expect(loadAuthorizerConfig({ TENANTS_TABLE: 't', ADMIN_API_KEY: 'k'.repeat(32) })).toEqual({ tenantsTable: 't', adminApiKey: 'k'.repeat(32) });
    expect(() => loadAuthorizerConfig({ TENANTS_TABLE: 't', ADMIN_API_KEY: 'short' })).toThrow(/ADMIN_API_KEY/);
    expect(() => loadAuthorizerConfig({ TENANTS_TABLE: 't' })).toThrow(/ADMIN_API_KEY/);
  });
});
