import { describe, expect, it } from 'vitest';
import { readLocalConfig } from '../../../local/config.ts';
import { applyStackEnvironment, drainBudgetMs, runnerEnvironment, stackEnvironment } from '../../../local/stack-env.ts';

const build = (overrides: Record<string, string> = {}) =>
  stackEnvironment({
    config: readLocalConfig({ LOG_LEVEL: 'debug', ...overrides }),
    endpointEnv: { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'S3RVER' },
    resourceEnv: { SESSIONS_TABLE: 'wa-fleet-sessions' },
    adminKey: 'admin-secret-admin-secret-1',
    simulatorEnv: { WA_SIMULATOR: 'true' },
    drainBudgetMs: 20_000,
  });

describe('stack environment', () => {
  it('gives the stack its endpoints, resources, admin key and local webhook policy', () => {
    expect(build().stack).toEqual({
      AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:1',
      AWS_ACCESS_KEY_ID: 'S3RVER',
      SESSIONS_TABLE: 'wa-fleet-sessions',
      LOG_LEVEL: 'DEBUG',
      ADMIN_API_KEY: 'admin-secret-admin-secret-1',
      WEBHOOK_REQUIRE_HTTPS: 'false',
    });
    expect(build({ WEBHOOK_ALLOW_LOOPBACK: 'true' }).stack.WEBHOOK_ALLOW_LOOPBACK).toBe('true');
  });

  it('never hands runners the admin key or the user\'s AWS profile, and lets the stack values win', () => {
    const inherited = { HOME: '/home/dev', ADMIN_API_KEY: 'x', AWS_PROFILE: 'prod', AWS_SESSION_TOKEN: 't', SESSIONS_TABLE: 'stale', PORT: '3000' };
    const env = runnerEnvironment(inherited, build().runner);
    expect(env).toMatchObject({ HOME: '/home/dev', SESSIONS_TABLE: 'wa-fleet-sessions', WA_SIMULATOR: 'true', DRAIN_BUDGET_MS: '20000' });
    for (const name of ['ADMIN_API_KEY', 'AWS_PROFILE', 'AWS_SESSION_TOKEN', 'PORT']) expect(env).not.toHaveProperty(name);
  });

  it('scrubs AWS profile variables from the stack process and keeps an explicit WEBHOOK_REQUIRE_HTTPS', () => {
    const target: NodeJS.ProcessEnv = { AWS_PROFILE: 'prod', WEBHOOK_REQUIRE_HTTPS: 'true' };
    applyStackEnvironment(target, build().stack);
    expect(target.AWS_PROFILE).toBeUndefined();
    expect(target.WEBHOOK_REQUIRE_HTTPS).toBe('true');
    expect(target.ADMIN_API_KEY).toBe('admin-secret-admin-secret-1');
  });

  it('gives local runners 20 s to hand over unless DRAIN_BUDGET_MS says otherwise', () => {
    expect(drainBudgetMs({})).toBe(20_000);
    expect(drainBudgetMs({ DRAIN_BUDGET_MS: '5000' })).toBe(5_000);
    expect(drainBudgetMs({ DRAIN_BUDGET_MS: 'soon' })).toBe(20_000);
  });
});
