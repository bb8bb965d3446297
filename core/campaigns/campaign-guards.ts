/**
 * Guard rails: what a tick may do with a campaign right now, as a pure function of the campaign, its
 * session's record, the up-to-date counters and the clock.
 *
 * - The session logged out (needs pairing), was parked by the runner (failed) or deleted: auto-pause with
 *   that reason; a person must act, then resume.
 * - Too many recent sends failed (failure spike): auto-pause; something is wrong with the list, the content
 *   or the number, and continuing is how numbers get banned.
 * - Quiet hours in the campaign's timezone, the session not open (connecting, reconnecting, stopped) or a
 *   backlog of unsent commands: hold, keep status running, and go on by itself when the cause clears.
 */
import type { SessionRecord } from '../domain/session.ts';
import type { AutoPauseReason, CampaignCounts, CampaignRecord, HoldReason, Pace } from './campaign.ts';
import { isQuiet, quietEndsAt, quietStartsAt } from './quiet-hours.ts';

export interface FailureSpikeSettings {
  /** How many recent outcomes are considered. */
  readonly window: number;
  /** No verdict before this many outcomes. */
  readonly minimum: number;
  /** Failed share (0-1) at or above which the campaign is paused. */
  readonly ratio: number;
}

export interface GuardSettings {
  readonly tickMs: number;
  readonly failureSpike: FailureSpikeSettings;
  /** Hold new slices while more than this many ticks' worth of recipients are still unsent. */
  readonly backlogTicks: number;
}

export type Decision =
  | { readonly kind: 'pause'; readonly reason: AutoPauseReason }
  | { readonly kind: 'wait_for_start'; readonly nextRunAt: number }
  | { readonly kind: 'hold'; readonly reason: HoldReason; readonly nextRunAt: number }
  /** Everything is enqueued; wait for the unsent rest before completing. */
  | { readonly kind: 'drain'; readonly nextRunAt: number }
  | { readonly kind: 'complete' }
  /** Send a slice; commands must not go out after `quietStartsAt` (when quiet hours are set). */
  | { readonly kind: 'send'; readonly quietStartsAt?: number };

/**
 * The campaign's pace, capped at its session's own pacing: the runner sends no faster than that anyway, and
 * enqueuing faster would only build a backlog that expires.
 */
export function effectivePace(campaign: Pick<CampaignRecord, 'pace'>, session: Pick<SessionRecord, 'pacing'> | undefined): Pace {
  const sessionRate = session?.pacing?.perMinute;
  return sessionRate && sessionRate < campaign.pace.perMinute ? { ...campaign.pace, perMinute: sessionRate } : campaign.pace;
}

export function isFailureSpike(recentOutcomes: string, settings: FailureSpikeSettings): boolean {
  const window = recentOutcomes.slice(-settings.window);
  if (window.length < settings.minimum) return false;
  const failed = [...window].filter((outcome) => outcome === 'f').length;
  return failed / window.length >= settings.ratio;
}

/** Decision for a campaign in status scheduled or running. */
export function decide(
  campaign: CampaignRecord,
  session: SessionRecord | undefined,
  counts: CampaignCounts,
  recentOutcomes: string,
  now: number,
  settings: GuardSettings,
): Decision {
  const soon = now + Math.max(1_000, Math.floor(settings.tickMs / 2));
  if (!session || session.deletedAt) return { kind: 'pause', reason: 'session_deleted' };
  if (session.status === 'needs_pairing') return { kind: 'pause', reason: 'session_logged_out' };
  if (session.status === 'failed') return { kind: 'pause', reason: 'session_failed' };
  if (isFailureSpike(recentOutcomes, settings.failureSpike)) return { kind: 'pause', reason: 'failure_spike' };
  const startAt = Date.parse(campaign.startAt);
  if (now < startAt) return { kind: 'wait_for_start', nextRunAt: startAt };
  if (campaign.cursor >= campaign.total) return counts.queued <= 0 ? { kind: 'complete' } : { kind: 'drain', nextRunAt: soon };
  if (campaign.quietHours && isQuiet(now, campaign.quietHours, campaign.timezone)) {
    return { kind: 'hold', reason: 'quiet_hours', nextRunAt: quietEndsAt(now, campaign.quietHours, campaign.timezone) };
  }
  if (session.status !== 'open') return { kind: 'hold', reason: 'session_not_open', nextRunAt: soon };
  const perTick = (effectivePace(campaign, session).perMinute * settings.tickMs) / 60_000;
  if (counts.queued > Math.max(10, perTick * settings.backlogTicks)) return { kind: 'hold', reason: 'backlog', nextRunAt: soon };
  return {
    kind: 'send',
    ...(campaign.quietHours ? { quietStartsAt: quietStartsAt(now, campaign.quietHours, campaign.timezone) } : {}),
  };
}
