/**
 * Use-case: one scheduler tick (EventBridge, every minute; the local stack every TICK_SECONDS). Finds the
 * due campaigns (gsi1 `due`, next run time <= now, most overdue first, at most `maxCampaignsPerTick`) and
 * advances each (advance-campaign.ts) with a few in parallel, sharing a budget of sends per tick so the work
 * of one tick stays bounded however many campaigns are due. A campaign that fails is logged and retried by
 * the next tick; it never fails the others. Ticks may overlap or repeat (EventBridge delivers at least
 * once): each campaign's progress is claimed with a conditional write, so nothing is sent twice.
 */
import { advanceCampaign, type SchedulerDeps, type SendBudget } from './advance-campaign.ts';

export interface TickSummary {
  readonly due: number;
  readonly advanced: number;
  /** Lost a race with another tick or a tenant's action, or another tick was busy with it. */
  readonly skipped: number;
  readonly failed: number;
  readonly enqueued: number;
  readonly reconciled: number;
}

const CONCURRENCY = 4;

export async function runSchedulerTick(deps: SchedulerDeps): Promise<TickSummary> {
  const now = new Date(deps.clock.now()).toISOString();
  const due = await deps.campaigns.due(now, deps.settings.maxCampaignsPerTick);
  const budget: SendBudget = { remaining: deps.settings.maxSendsPerTick };
  const summary = { due: due.length, advanced: 0, skipped: 0, failed: 0, enqueued: 0, reconciled: 0 };
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const key = due[next++]!;
      try {
        const result = await advanceCampaign(key, deps, budget);
        if (result.outcome === 'advanced') {
          summary.advanced += 1;
          summary.enqueued += result.enqueued;
          summary.reconciled += result.reconciled;
          deps.logger?.debug('campaign.advanced', { tenantId: key.tenantId, campaignId: key.campaignId, ...result });
        } else {
          summary.skipped += 1;
        }
      } catch (error) {
        summary.failed += 1;
        deps.logger?.error('campaign.advance_failed', { tenantId: key.tenantId, campaignId: key.campaignId, error: error as Error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
  return summary;
}
