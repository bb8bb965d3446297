/**
 * Configuration of the scheduler function, read once per container from the environment and checked with
 * zod: a missing resource variable or a malformed limit fails the cold start loudly. Limits have defaults
 * chosen to keep one tick's work bounded (a few thousand sends and a few hundred reads at most).
 */
import * as z from 'zod';
import { queueUrlFromEnv, slotCountFromEnv, tableNameFromEnv } from '../../core/resource-config.ts';
import { queues } from '../../core/resources.ts';
import type { SchedulerSettings } from '../../core/campaigns/advance-campaign.ts';

const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const schema = z.object({
  /** Interval between ticks: EventBridge's one minute in AWS, the local stack's TICK_SECONDS locally. */
  TICK_SECONDS: int(60, 1, 3600),
  CAMPAIGN_MAX_CAMPAIGNS_PER_TICK: int(50, 1, 1_000),
  CAMPAIGN_MAX_SENDS_PER_TICK: int(2_000, 1, 20_000),
  CAMPAIGN_MAX_SLICE: int(300, 1, 2_000),
  CAMPAIGN_RECONCILE_BATCH: int(200, 1, 1_000),
  /** A slice's commands expire this long after they were enqueued (capped at the next quiet hours). */
  CAMPAIGN_COMMAND_TTL_SECONDS: int(900, 60, 86_400),
  CAMPAIGN_FAILURE_SPIKE_WINDOW: int(50, 5, 500),
  CAMPAIGN_FAILURE_SPIKE_MINIMUM: int(10, 1, 500),
  CAMPAIGN_FAILURE_SPIKE_RATIO: z.coerce.number().gt(0).max(1).default(0.3),
  CAMPAIGN_RECEIPT_WINDOW_HOURS: int(24, 1, 24 * 14),
});

export interface SchedulerConfig {
  readonly tables: { readonly campaigns: string; readonly commands: string; readonly sessions: string; readonly tenants: string };
  readonly commandQueueUrlTemplate: string;
  readonly slotCount: number;
  readonly eventsQueueUrl: string;
  readonly settings: SchedulerSettings;
}

export function loadSchedulerConfig(env: NodeJS.ProcessEnv = process.env): SchedulerConfig {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid scheduler configuration: ${problems}`);
  }
  const c = result.data;
  const tickMs = c.TICK_SECONDS * 1000;
  return {
    tables: {
      campaigns: tableNameFromEnv('campaigns', env),
      commands: tableNameFromEnv('commands', env),
      sessions: tableNameFromEnv('sessions', env),
      tenants: tableNameFromEnv('tenants', env),
    },
    commandQueueUrlTemplate: queueUrlFromEnv(queues.commands, env),
    slotCount: slotCountFromEnv(env),
    eventsQueueUrl: queueUrlFromEnv(queues.events, env),
    settings: {
      tickMs,
      maxCampaignsPerTick: c.CAMPAIGN_MAX_CAMPAIGNS_PER_TICK,
      maxSendsPerTick: c.CAMPAIGN_MAX_SENDS_PER_TICK,
      maxSlicePerCampaign: c.CAMPAIGN_MAX_SLICE,
      reconcileBatch: c.CAMPAIGN_RECONCILE_BATCH,
      commandTtlMs: c.CAMPAIGN_COMMAND_TTL_SECONDS * 1000,
      expiryGraceMs: Math.max(60_000, 2 * tickMs),
      staleStepMs: Math.max(60_000, 2 * tickMs),
      trackingIntervalMs: Math.min(5 * 60_000, 5 * tickMs),
      receiptWindowMs: c.CAMPAIGN_RECEIPT_WINDOW_HOURS * 3_600_000,
      backlogTicks: 3,
      failureSpike: {
        window: c.CAMPAIGN_FAILURE_SPIKE_WINDOW,
        minimum: Math.min(c.CAMPAIGN_FAILURE_SPIKE_MINIMUM, c.CAMPAIGN_FAILURE_SPIKE_WINDOW),
        ratio: c.CAMPAIGN_FAILURE_SPIKE_RATIO,
      },
    },
  };
}
