import { describe, expect, it } from 'vitest';
import { buckets, queues, tables } from '../../../../core/resources.ts';
import { hashApiKey } from '../../../../core/tenants/api-key.ts';
import { loadAuthorizerConfig } from '../../../../lambdas/api/authorizer-config.ts';
import { loadApiConfig } from '../../../../lambdas/api/config.ts';

/** Every resource variable a stack process gets (other route modules read their own from the same set). */
const resources: Record<string, string> = {
  ...Object.fromEntries(Object.values(tables).map((table) => [table.envVar, table.id])),
  ...Object.fromEntries(Object.values(queues).map((queue) => [queue.envVar, `http://q/${queue.id}`])),
  ...Object.fromEntries(Object.values(buckets).map((bucket) => [bucket.envVar, bucket.id])),
  COMMANDS_QUEUE_URL_TEMPLATE: 'http://q/commands-{slot}.fifo',
  SLOT_COUNT: '4',
};

describe('API config', () => {
  it('reads resources and applies documented defaults', () => {
    expect(loadApiConfig(resources)).toMatchObject({
      tables: { tenants: 'tenants', sessions: 'sessions', commands: 'commands', idempotency: 'idempotency' },
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
