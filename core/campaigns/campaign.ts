/**
 * Campaigns (ARCHITECTURE D8): a message template, a recipient list, a schedule and a pace. This module holds
 * the domain model the API, the scheduler and the stores share: statuses and their transitions, recipient
 * outcomes and the progress counters.
 *
 * Lifecycle: scheduled -> running -> completed, with paused (by the tenant, or by the scheduler with a visible
 * reason) and cancelled on the side. Recipients move pending -> queued (a command exists) -> sent ->
 * delivered -> read, or end failed, suppressed or skipped. Each recipient is counted in exactly one bucket, so
 * the counts always add up to the campaign's total.
 */
import type { MessageContent } from '../domain/message.ts';

export const campaignStatuses = ['scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignStatus = (typeof campaignStatuses)[number];

export const recipientStatuses = ['pending', 'queued', 'sent', 'delivered', 'read', 'failed', 'suppressed', 'skipped'] as const;
export type RecipientStatus = (typeof recipientStatuses)[number];

export type CampaignCounts = Record<RecipientStatus, number>;

/** Why the scheduler paused a campaign on its own; the tenant resumes it once the cause is dealt with. */
export const autoPauseReasons = ['session_logged_out', 'session_failed', 'session_deleted', 'failure_spike'] as const;
export type AutoPauseReason = (typeof autoPauseReasons)[number];

/** Why a running campaign is not sending right now although nobody paused it; it resumes by itself. */
export const holdReasons = ['quiet_hours', 'session_not_open', 'backlog'] as const;
export type HoldReason = (typeof holdReasons)[number];

export interface Pace {
  /** Sustained sends per minute once warmed up. */
  readonly perMinute: number;
  /** Random variation of each slice's size around the paced amount, in percent (the long-run rate is kept). */
  readonly jitterPercent: number;
}

/**
 * Warm-up for a new number: the rate starts at `initialPerMinute` and rises linearly to the pace over
 * `durationMinutes` of wall time counted from the campaign's first slice (quiet hours and pauses included,
 * which is what "the first days of a new number" means).
 */
export interface WarmUp {
  readonly initialPerMinute: number;
  readonly durationMinutes: number;
}

/** A daily window (local time in the campaign's timezone) in which nothing is sent; may span midnight. */
export interface QuietHours {
  readonly start: string;
  readonly end: string;
}

/** A recipient's move decided by a tick from its command's status. */
export interface OutcomeChange {
  readonly index: number;
  readonly from: RecipientStatus;
  readonly to: RecipientStatus;
  readonly reason?: string;
}

/** The recipients a tick handed to the runner: `from` (inclusive) to `to` (exclusive). */
export interface SliceClaim {
  readonly from: number;
  readonly to: number;
  /** Indexes found on the suppression list when the slice was claimed. */
  readonly suppressed: readonly number[];
  readonly notAfter: string;
}

/**
 * The work of one scheduler tick on one campaign, recorded on the campaign item in the same conditional
 * write that applies its counter changes and advances the cursor. The tick then makes the recipient items
 * and commands match and clears it; if the tick dies first, a later tick re-applies it (every part is
 * idempotent). Counters therefore change exactly once per recipient move, without transactions.
 */
export interface CampaignStep {
  readonly id: string;
  readonly claimedAt: string;
  readonly outcomes: readonly OutcomeChange[];
  readonly slice?: SliceClaim;
}

export interface IntakeReport {
  readonly received: number;
  readonly accepted: number;
  readonly invalid: number;
  readonly duplicates: number;
  /** The first few rejected entries (input index and reason), for the caller to fix. */
  readonly samples: readonly { readonly index: number; readonly reason: string }[];
}

export interface CampaignRecord {
  readonly tenantId: string;
  readonly campaignId: string;
  readonly sessionId: string;
  readonly name: string;
  /** The message template: `{{var}}` placeholders in text and captions. */
  readonly message: MessageContent;
  readonly status: CampaignStatus;
  /** Set while paused: `tenant` or one of AutoPauseReason. */
  readonly pauseReason?: string;
  /** Set while running but holding back (quiet hours, session not open, backlog). */
  readonly holdReason?: HoldReason;
  readonly startAt: string;
  readonly timezone: string;
  readonly quietHours?: QuietHours;
  readonly pace: Pace;
  readonly warmUp?: WarmUp;
  readonly total: number;
  /** Index of the next recipient to enqueue. */
  readonly cursor: number;
  /** Bumped by every state change and slice claim: the optimistic-concurrency token. */
  readonly version: number;
  readonly counts: CampaignCounts;
  readonly intake: IntakeReport;
  readonly nextRunAt?: string;
  readonly startedAt?: string;
  readonly lastSliceAt?: string;
  /** Fractional send allowance carried between slices (pace accounting). */
  readonly credit: number;
  /** Work claimed by a tick and not yet fully applied. */
  readonly step?: CampaignStep;
  /** Recent settled outcomes, oldest first: `s` sent, `f` failed (failure-spike detection). */
  readonly recentOutcomes: string;
  readonly reconcileCursor?: number;
  /** Last progress decile (0-10) announced with a campaign.progress event. */
  readonly progressDecile: number;
  readonly completedAt?: string;
  readonly cancelledAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface RecipientRecord {
  readonly index: number;
  /** Digits of the phone number. */
  readonly phoneNumber: string;
  readonly variables: Record<string, string>;
  readonly status: RecipientStatus;
  readonly commandId?: string;
  readonly reason?: string;
  readonly updatedAt?: string;
}

export function emptyCounts(): CampaignCounts {
  return { pending: 0, queued: 0, sent: 0, delivered: 0, read: 0, failed: 0, suppressed: 0, skipped: 0 };
}

/** Statuses from which the scheduler still has work: slicing or watching in-flight recipients. */
export function isActive(status: CampaignStatus): boolean {
  return status === 'scheduled' || status === 'running';
}

export function isFinished(status: CampaignStatus): boolean {
  return status === 'completed' || status === 'cancelled';
}

/** Recipients whose outcome is not final yet: their command may still move. */
export function isInFlight(status: RecipientStatus): boolean {
  return status === 'queued' || status === 'sent' || status === 'delivered';
}

/** Recipients that no longer wait for anything from the campaign (for progress percentages). */
export function settledCount(counts: CampaignCounts): number {
  return counts.sent + counts.delivered + counts.read + counts.failed + counts.suppressed + counts.skipped;
}

export type ControlAction = 'pause' | 'resume' | 'cancel';

const ALLOWED: Record<ControlAction, readonly CampaignStatus[]> = {
  pause: ['scheduled', 'running'],
  resume: ['paused'],
  cancel: ['scheduled', 'running', 'paused'],
};

/** The statuses a tenant's control action applies to. */
export function allowedFrom(action: ControlAction): readonly CampaignStatus[] {
  return ALLOWED[action];
}
