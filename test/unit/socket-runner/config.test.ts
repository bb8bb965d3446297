import { describe, expect, it } from 'vitest';
import { loadRunnerConfig, RunnerConfigError } from '../../../socket-runner/config.ts';

const resources = {
  SESSIONS_TABLE: 'p-sessions',
  COMMANDS_TABLE: 'p-commands',
  LEASES_TABLE: 'p-leases',
  AUTH_TABLE: 'p-auth',
  COMMANDS_QUEUE_URL_TEMPLATE: 'http://sqs/000/p-commands-{slot}.fifo',
  EVENTS_QUEUE_URL: 'http://sqs/000/p-events',
  CREDENTIALS_BUCKET: 'p-credentials',
  SLOT_COUNT: '4',
};

function load(overrides: Record<string, string | undefined> = {}) {
  return loadRunnerConfig({ ...resources, ...overrides });
}

describe('socket runner config', () => {
  it('uses the D4 timings and safe placement defaults', () => {
    const config = load();
    expect(config.lease).toEqual({ durationMs: 30_000, renewMs: 5_000, selfFenceMs: 15_000, renewConcurrency: 16 });
    expect(config.placement).toMatchObject({
      intervalMs: 5_000,
      watchMs: 1_000,
      suspectAfterMs: 5_000, // 2.5 heartbeats
      slack: 1,
      startConcurrency: 16,
      startRatePerSec: 5,
      handoverRatePerSec: 25,
      leaseDurationMs: 30_000,
    });
    expect(config.timings).toMatchObject({ heartbeatMs: 2_000, drainBudgetMs: 100_000 });
    expect(config.healthPort).toBe(8080);
    expect(config.resources).toMatchObject({ leasesTable: 'p-leases', slotCount: 4 });
    expect(config.runnerId).toMatch(/^runner-/);
    expect(config.simulator).toBe(false);
  });

  it('takes every timing from the environment, for tests and chaos runs', () => {
    const config = load({
      RUNNER_ID: 'runner-7',
      LEASE_DURATION_MS: '3000',
      LEASE_RENEW_MS: '500',
      LEASE_SELF_FENCE_MS: '1500',
      DYNAMODB_REQUEST_TIMEOUT_MS: '1000',
      PLACEMENT_INTERVAL_MS: '250',
      PLACEMENT_WATCH_MS: '100',
      HEARTBEAT_MS: '1000',
      RUNNER_TTL_MS: '2000',
      START_CONCURRENCY: '3',
      HANDOVER_RATE_PER_SEC: '40',
      DRAIN_BUDGET_MS: '10000',
      WA_WEB_SOCKET_URL: 'ws://127.0.0.1:7000/ws/chat',
    });
    expect(config.runnerId).toBe('runner-7');
    expect(config.lease).toMatchObject({ durationMs: 3_000, renewMs: 500, selfFenceMs: 1_500 });
    expect(config.placement).toMatchObject({
      intervalMs: 250,
      watchMs: 100,
      suspectAfterMs: 2_000, // 2.5 heartbeats, capped at the heartbeat's TTL
      startConcurrency: 3,
      handoverRatePerSec: 40,
      leaseDurationMs: 3_000,
    });
    expect(config.timings.drainBudgetMs).toBe(10_000);
    expect(config.waWebSocketUrl).toBe('ws://127.0.0.1:7000/ws/chat');
  });

  it('hands the simulator root key to start-up only in simulator mode', () => {
    expect(load({ WA_SIMULATOR: 'true', WA_SIM_ROOT_PUBLIC_KEY: 'a2V5' }).simulatorRootPublicKey).toBe('a2V5');
    expect(load({ WA_SIM_ROOT_PUBLIC_KEY: 'a2V5' }).simulatorRootPublicKey).toBeUndefined();
  });

  it('treats an empty variable as unset', () => {
    expect(load({ RUNNER_ID: '', HEALTH_PORT: '' }).healthPort).toBe(8080);
  });

  it.each([
    [{ LEASE_RENEW_MS: '20000' }, 'LEASE_RENEW_MS: must be below LEASE_SELF_FENCE_MS'],
    [{ LEASE_SELF_FENCE_MS: '30000' }, 'LEASE_SELF_FENCE_MS: must be below LEASE_DURATION_MS'],
    [{ START_CONCURRENCY: 'many' }, 'START_CONCURRENCY'],
    [{ WA_WEB_SOCKET_URL: 'http://example.com' }, 'WA_WEB_SOCKET_URL'],
    [{ WA_SIMULATOR: 'true' }, 'WA_SIM_ROOT_PUBLIC_KEY: is required when WA_SIMULATOR=true'],
    [{ RUNNER_ID: 'has spaces' }, 'RUNNER_ID'],
    [{ LEASES_TABLE: undefined }, 'missing environment variable LEASES_TABLE'],
    [{ SLOT_COUNT: '0' }, 'SLOT_COUNT must be 1-1000'],
    [{ COMMANDS_QUEUE_URL_TEMPLATE: 'http://sqs/000/p-commands-0.fifo' }, 'COMMANDS_QUEUE_URL_TEMPLATE must contain {slot}'],
  ])('rejects %o with one line naming the problem', (overrides, message) => {
    expect(() => load(overrides)).toThrow(RunnerConfigError);
    expect(() => load(overrides)).toThrow(message);
    try {
      load(overrides);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });
});
