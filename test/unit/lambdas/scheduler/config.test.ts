import { describe, expect, it } from 'vitest';
import { loadSchedulerConfig } from '../../../../lambdas/scheduler/config.ts';

const resources = {
  CAMPAIGNS_TABLE: 'campaigns',
  COMMANDS_TABLE: 'commands',
  SESSIONS_TABLE: 'sessions',
  TENANTS_TABLE: 'tenants',
  COMMANDS_QUEUE_URL_TEMPLATE: 'http://sqs/q/commands-{slot}.fifo',
  EVENTS_QUEUE_URL: 'http://sqs/q/events',
  SLOT_COUNT: '4',
};

describe('scheduler configuration', () => {
  it('reads the resources and applies bounded defaults tied to the tick interval', () => {
    const config = loadSchedulerConfig(resources);
    expect(config.tables).toEqual({ campaigns: 'campaigns', commands: 'commands', sessions: 'sessions', tenants: 'tenants' });
    expect(config.slotCount).toBe(4);
    expect(config.settings).toMatchObject({
      tickMs: 60_000,
      maxSendsPerTick: 2_000,
      maxSlicePerCampaign: 300,
      commandTtlMs: 900_000,
      trackingIntervalMs: 300_000,
      failureSpike: { window: 50, minimum: 10, ratio: 0.3 },
    });
    const fast = loadSchedulerConfig({ ...resources, TICK_SECONDS: '2' });
    expect(fast.settings).toMatchObject({ tickMs: 2_000, trackingIntervalMs: 10_000, staleStepMs: 60_000 });
  });

  it('fails loudly on a missing resource or a malformed limit', () => {
    const { CAMPAIGNS_TABLE: _missing, ...withoutCampaigns } = resources;
    expect(() => loadSchedulerConfig(withoutCampaigns)).toThrow(/CAMPAIGNS_TABLE/);
    expect(() => loadSchedulerConfig({ ...resources, CAMPAIGN_MAX_SLICE: '0' })).toThrow(/CAMPAIGN_MAX_SLICE/);
    expect(() => loadSchedulerConfig({ ...resources, CAMPAIGN_FAILURE_SPIKE_RATIO: '2' })).toThrow(/RATIO/);
  });
});
