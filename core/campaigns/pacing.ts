/**
 * Campaign pacing: how many recipients one scheduler tick may hand to the runner.
 *
 * The allowance accrues continuously at the campaign's rate (which ramps up during warm-up) and is spent in
 * whole slices; the fractional rest is carried to the next tick as `credit`, so a pace of 0.5/min or a
 * ramp from 1/min still comes out exact over time. Each slice is varied randomly by up to `jitterPercent`
 * around the accrued amount (the difference is carried too, so the long-run rate is the configured one).
 * A late or missed tick does not cause a burst: at most two tick intervals of allowance accrue, and credit
 * never exceeds one tick's worth. Within the minute, the runner's per-session token bucket spreads the
 * slice's sends (socket-runner/commands): the scheduler decides how many, the runner decides exactly when.
 */
import type { Pace, WarmUp } from './campaign.ts';

const MINUTE = 60_000;

/** Sends per minute at instant `t` for a campaign that started sending at `startedAt`. */
export function rateAt(t: number, pace: Pace, warmUp: WarmUp | undefined, startedAt: number): number {
  if (!warmUp) return pace.perMinute;
  const initial = Math.min(warmUp.initialPerMinute, pace.perMinute);
  const progress = Math.min(1, Math.max(0, (t - startedAt) / (warmUp.durationMinutes * MINUTE)));
  return initial + (pace.perMinute - initial) * progress;
}

/** Sends accrued between two instants: the integral of the (piecewise linear) rate over [from, to]. */
export function allowanceBetween(from: number, to: number, pace: Pace, warmUp: WarmUp | undefined, startedAt: number): number {
  if (to <= from) return 0;
  const rampEnd = warmUp ? startedAt + warmUp.durationMinutes * MINUTE : from;
  const points = [from, ...(rampEnd > from && rampEnd < to ? [rampEnd] : []), to];
  let total = 0;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    // Linear within each segment: the mean of the end rates times the length.
    total += ((rateAt(a, pace, warmUp, startedAt) + rateAt(b, pace, warmUp, startedAt)) / 2) * ((b - a) / MINUTE);
  }
  return total;
}

export interface SliceInput {
  readonly pace: Pace;
  readonly warmUp?: WarmUp;
  /** When the campaign sent its first slice (warm-up is measured from here). */
  readonly startedAt: number;
  /** When the previous slice was planned; undefined for the first. */
  readonly lastSliceAt?: number;
  readonly credit: number;
  readonly now: number;
  /** The scheduler's tick interval. */
  readonly tickMs: number;
  /** Hard cap per campaign per tick (bounded work). */
  readonly maxSlice: number;
  /** Uniform [0, 1), injectable for tests. */
  readonly random: () => number;
}

export interface SlicePlan {
  /** Recipients to enqueue now. */
  readonly size: number;
  /** Allowance carried to the next tick (may be slightly negative after a jittered-up slice). */
  readonly credit: number;
  /** The campaign's current rate, sends per minute. */
  readonly perMinute: number;
}

export function planSlice(input: SliceInput): SlicePlan {
  const { pace, warmUp, startedAt, now, tickMs } = input;
  const since = input.lastSliceAt === undefined ? now - tickMs : Math.max(input.lastSliceAt, now - 2 * tickMs);
  const available = input.credit + allowanceBetween(since, now, pace, warmUp, startedAt);
  const jitter = (pace.jitterPercent / 100) * (2 * input.random() - 1);
  const size = Math.max(0, Math.min(input.maxSlice, Math.floor(available * (1 + jitter))));
  const perMinute = rateAt(now, pace, warmUp, startedAt);
  const tickWorth = (perMinute * tickMs) / MINUTE;
  const credit = Math.max(-tickWorth, Math.min(tickWorth, available - size));
  return { size, credit, perMinute };
}

/** Default pace: conservative, well under what gets a number flagged (ARCHITECTURE D6/D8). */
export const DEFAULT_PACE: Pace = { perMinute: 10, jitterPercent: 20 };
