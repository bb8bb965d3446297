/**
 * One scheduler tick on one campaign (ARCHITECTURE D8):
 *
 *   1. finish a step a previous tick left half-applied (only once it is stale: a fresh one means another
 *      tick is working on this campaign right now, so this tick leaves it alone);
 *   2. read: in-flight outcomes (bounded batch), the session record, the guard-rail decision, and for a
 *      slice the next recipients and which of them are suppressed;
 *   3. commit: ONE conditional write on the campaign (version check) that applies the counter changes,
 *      advances the cursor, sets status / reasons / next run time and records the step. A concurrent tick
 *      or a tenant's pause makes it fail, and this tick then does nothing more;
 *   4. apply the step (recipient items, commands, dispatch; idempotent) and clear it;
 *   5. publish `campaign.progress` on a status change or a new tenth of progress.
 */
import type { Clock } from '../clock.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { Logger } from '../logger.ts';
import { newId } from '../ids.ts';
import type { SessionRecord } from '../domain/session.ts';
import type { SessionRepository } from '../sessions/session-repository.ts';
import { isActive, isFinished, type CampaignCounts, type CampaignRecord, type CampaignStep, type SliceClaim } from './campaign.ts';
import type { CampaignCommands } from './campaign-commands.ts';
import { decide, effectivePace, type Decision, type GuardSettings } from './campaign-guards.ts';
import type { CampaignKey, CampaignPatch, CampaignStore } from './campaign-store.ts';
import { applyStep } from './apply-step.ts';
import { addCounts, collectOutcomes, countDeltas, updateRecentOutcomes } from './outcomes.ts';
import { planSlice } from './pacing.ts';
import { progressDecile, progressEvent } from './progress-events.ts';
import type { RecipientStore } from './recipient-store.ts';
import type { SuppressionStore } from './suppression-store.ts';

export interface SchedulerSettings extends GuardSettings {
  readonly maxCampaignsPerTick: number;
  readonly maxSendsPerTick: number;
  readonly maxSlicePerCampaign: number;
  /** In-flight recipients reconciled per campaign per tick. */
  readonly reconcileBatch: number;
  /** Lifetime of a slice's commands: a backlog older than this is not sent late. */
  readonly commandTtlMs: number;
  /** How long after its deadline a still-queued command is failed as expired by the scheduler. */
  readonly expiryGraceMs: number;
  /** A step older than this is assumed abandoned and re-applied. */
  readonly staleStepMs: number;
  /** Cadence of outcome tracking for paused and finished campaigns. */
  readonly trackingIntervalMs: number;
  /** How long after it finishes a campaign keeps collecting delivery and read receipts. */
  readonly receiptWindowMs: number;
}

export interface SchedulerDeps {
  readonly campaigns: CampaignStore;
  readonly recipients: RecipientStore;
  readonly suppressions: SuppressionStore;
  readonly sessions: Pick<SessionRepository, 'get'>;
  readonly commands: CampaignCommands;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly random: () => number;
  readonly settings: SchedulerSettings;
  readonly logger?: Logger;
}

/** Sends left for this tick across campaigns (bounded work per tick). */
export interface SendBudget {
  remaining: number;
}

export type AdvanceResult =
  | { readonly outcome: 'missing' | 'busy' | 'raced' }
  | { readonly outcome: 'advanced'; readonly status: string; readonly enqueued: number; readonly reconciled: number };

export async function advanceCampaign(key: CampaignKey, deps: SchedulerDeps, budget: SendBudget): Promise<AdvanceResult> {
  const { settings, clock } = deps;
  let campaign = await deps.campaigns.get(key);
  if (!campaign) return { outcome: 'missing' };
  if (campaign.step) {
    if (clock.now() - Date.parse(campaign.step.claimedAt) < settings.staleStepMs) return { outcome: 'busy' };
    deps.logger?.warn('campaign.step_reapplied', { campaignId: key.campaignId, stepId: campaign.step.id });
    const session = await deps.sessions.get(campaign.tenantId, campaign.sessionId);
    await applyStep(campaign, campaign.step, session, deps);
    await deps.campaigns.clearStep(key, campaign.step);
    campaign = await deps.campaigns.get(key);
    if (!campaign) return { outcome: 'missing' };
  }

  const now = clock.now();
  const nowIso = new Date(now).toISOString();
  const outcomes = await collectOutcomes(campaign, deps, { now, batch: settings.reconcileBatch, expiryGraceMs: settings.expiryGraceMs });
  const deltas: Partial<CampaignCounts> = countDeltas(outcomes.changes);
  const recentOutcomes = updateRecentOutcomes(campaign.recentOutcomes ?? '', outcomes.changes, settings.failureSpike.window);
  const session = await deps.sessions.get(campaign.tenantId, campaign.sessionId);
  const patch = { set: { recentOutcomes, updatedAt: nowIso } as Record<string, unknown>, remove: [] as string[] };
  if (outcomes.nextCursor === undefined) patch.remove.push('reconcileCursor');
  else patch.set.reconcileCursor = outcomes.nextCursor;

  let countsAfter = addCounts(campaign.counts, deltas);
  let nextRunAt: string | null;
  let slice: SliceClaim | undefined;
  let reserved = 0;
  const inFlight = countsAfter.queued + countsAfter.sent + countsAfter.delivered > 0;

  if (isActive(campaign.status)) {
    const decision = decide(campaign, session, countsAfter, recentOutcomes, now, settings);
    applyDecision(campaign, decision, patch, now);
    nextRunAt = nextRunFor(decision, inFlight, now, settings);
    if (decision.kind === 'send') {
      const planned = await planAndRead(campaign, session, decision, deps, budget, now);
      slice = planned.slice;
      reserved = planned.reserved;
      Object.assign(patch.set, planned.set);
      if (slice) {
        const sliceDeltas = { pending: -(slice.to - slice.from), suppressed: slice.suppressed.length, queued: slice.to - slice.from - slice.suppressed.length };
        for (const [status, delta] of Object.entries(sliceDeltas)) deltas[status as keyof CampaignCounts] = (deltas[status as keyof CampaignCounts] ?? 0) + delta;
        countsAfter = addCounts(campaign.counts, deltas);
      }
    }
  } else {
    // Paused or finished: only outcomes are tracked, while any can still change.
    const finishedAt = Date.parse(campaign.completedAt ?? campaign.cancelledAt ?? nowIso);
    const watching = inFlight && !(isFinished(campaign.status) && now > finishedAt + settings.receiptWindowMs);
    nextRunAt = watching ? new Date(now + settings.trackingIntervalMs).toISOString() : null;
  }

  const decile = progressDecile(countsAfter, campaign.total);
  if (decile > (campaign.progressDecile ?? 0)) patch.set.progressDecile = decile;
  const step: CampaignStep | undefined =
    outcomes.changes.length > 0 || slice ? { id: newId(now), claimedAt: nowIso, outcomes: outcomes.changes, ...(slice ? { slice } : {}) } : undefined;
  if (step) patch.set.step = step;

  const committed = await deps.campaigns.update(
    key,
    campaign.version,
    { set: patch.set, remove: patch.remove as CampaignPatch['remove'], counts: deltas, nextRunAt },
    { requireNoStep: true },
  );
  if (!committed) {
    budget.remaining += reserved;
    return { outcome: 'raced' };
  }
  if (step) {
    await applyStep(committed, step, session, deps);
    await deps.campaigns.clearStep(key, step);
  }
  if (committed.status !== campaign.status || decile > (campaign.progressDecile ?? 0)) {
    await deps.events.publish([progressEvent(committed, clock)]).catch((error: unknown) => {
      deps.logger?.error('campaign.progress_event_failed', { campaignId: key.campaignId, error: error as Error });
    });
  }
  return { outcome: 'advanced', status: committed.status, enqueued: slice ? slice.to - slice.from : 0, reconciled: outcomes.changes.length };
}

function applyDecision(campaign: CampaignRecord, decision: Decision, patch: { set: Record<string, unknown>; remove: string[] }, now: number): void {
  const nowIso = new Date(now).toISOString();
  switch (decision.kind) {
    case 'pause':
      Object.assign(patch.set, { status: 'paused', pauseReason: decision.reason });
      patch.remove.push('holdReason');
      return;
    case 'wait_for_start':
      patch.remove.push('holdReason');
      return;
    case 'complete':
      Object.assign(patch.set, { status: 'completed', completedAt: nowIso });
      patch.remove.push('holdReason');
      return;
    case 'hold':
      // No allowance accrues while holding: the first slice after it is one tick's worth, not a burst.
      Object.assign(patch.set, { status: 'running', holdReason: decision.reason, credit: 0, startedAt: campaign.startedAt ?? nowIso });
      patch.remove.push('lastSliceAt');
      return;
    case 'drain':
    case 'send':
      Object.assign(patch.set, { status: 'running', startedAt: campaign.startedAt ?? nowIso });
      patch.remove.push('holdReason');
      return;
  }
}

function nextRunFor(decision: Decision, inFlight: boolean, now: number, settings: SchedulerSettings): string | null {
  switch (decision.kind) {
    case 'pause':
    case 'complete':
      return inFlight ? new Date(now + settings.trackingIntervalMs).toISOString() : null;
    case 'send':
      return new Date(now + Math.max(1_000, Math.floor(settings.tickMs / 2))).toISOString();
    default:
      return new Date(decision.nextRunAt).toISOString();
  }
}

async function planAndRead(
  campaign: CampaignRecord,
  session: SessionRecord | undefined,
  decision: Extract<Decision, { kind: 'send' }>,
  deps: SchedulerDeps,
  budget: SendBudget,
  now: number,
): Promise<{ slice?: SliceClaim; reserved: number; set: Record<string, unknown> }> {
  const { settings } = deps;
  const plan = planSlice({
    pace: effectivePace(campaign, session),
    warmUp: campaign.warmUp,
    startedAt: campaign.startedAt ? Date.parse(campaign.startedAt) : now,
    lastSliceAt: campaign.lastSliceAt ? Date.parse(campaign.lastSliceAt) : undefined,
    credit: campaign.credit ?? 0,
    now,
    tickMs: settings.tickMs,
    maxSlice: Math.min(settings.maxSlicePerCampaign, Math.max(0, budget.remaining)),
    random: deps.random,
  });
  const size = Math.min(plan.size, campaign.total - campaign.cursor);
  // Unused allowance beyond the list's end is dropped: it would never be spent.
  const set: Record<string, unknown> = { lastSliceAt: new Date(now).toISOString(), credit: plan.size > size ? 0 : plan.credit };
  if (size <= 0) return { reserved: 0, set };
  budget.remaining -= size;
  const from = campaign.cursor;
  const recipients = await deps.recipients.range(campaign, from, from + size);
  const suppressed = await deps.suppressions.among(campaign.tenantId, recipients.map((r) => r.phoneNumber));
  const deadline = Math.min(now + settings.commandTtlMs, decision.quietStartsAt ?? Number.POSITIVE_INFINITY);
  set.cursor = from + size;
  return {
    reserved: size,
    set,
    slice: {
      from,
      to: from + size,
      suppressed: recipients.filter((r) => suppressed.has(r.phoneNumber)).map((r) => r.index),
      notAfter: new Date(deadline).toISOString(),
    },
  };
}
