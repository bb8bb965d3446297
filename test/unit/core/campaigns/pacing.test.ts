import { describe, expect, it } from 'vitest';
import { allowanceBetween, planSlice, rateAt, type SliceInput } from '../../../../core/campaigns/pacing.ts';

const MINUTE = 60_000;
const T0 = Date.parse('2025-05-01T10:00:00Z');

/** Deterministic uniform [0, 1) (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs `ticks` scheduler ticks `every` ms apart and returns the slice sizes. */
function simulate(base: Omit<SliceInput, 'now' | 'credit' | 'lastSliceAt'>, ticks: number, every = MINUTE): number[] {
  const sizes: number[] = [];
  let credit = 0;
  let lastSliceAt: number | undefined;
  for (let i = 0; i < ticks; i++) {
    const now = base.startedAt + i * every;
    const plan = planSlice({ ...base, now, credit, lastSliceAt });
    sizes.push(plan.size);
    credit = plan.credit;
    lastSliceAt = now;
  }
  return sizes;
}

const base = { startedAt: T0, tickMs: MINUTE, maxSlice: 300 };
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

describe('campaign pacing', () => {
  it('sends exactly the pace per tick without jitter', () => {
    const sizes = simulate({ ...base, pace: { perMinute: 10, jitterPercent: 0 }, random: Math.random }, 30);
    expect(new Set(sizes)).toEqual(new Set([10]));
  });

  it('varies slices with jitter but keeps the long-run rate', () => {
    const sizes = simulate({ ...base, pace: { perMinute: 10, jitterPercent: 20 }, random: seeded(7) }, 120);
    expect(Math.abs(sum(sizes) - 1200)).toBeLessThanOrEqual(10);
    // +-20% around the pace plus the carried remainder of the previous slice: 10 * 1.25 * 1.2 at most.
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(6);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(15);
    expect(new Set(sizes).size).toBeGreaterThan(2);
  });

  it('spreads a rate below one per tick over ticks', () => {
    const sizes = simulate({ ...base, pace: { perMinute: 1, jitterPercent: 0 }, random: Math.random }, 20, 30_000);
    expect(sum(sizes)).toBe(10);
    expect(Math.max(...sizes)).toBe(1);
  });

  it('does not burst after missed ticks: at most two ticks of allowance accrue', () => {
    const plan = planSlice({ ...base, pace: { perMinute: 10, jitterPercent: 0 }, random: Math.random, credit: 0, lastSliceAt: T0, now: T0 + 30 * MINUTE });
    expect(plan.size).toBe(20);
    expect(plan.credit).toBe(0);
  });

  it('caps a slice at the per-tick maximum and does not hoard the rest', () => {
    const plan = planSlice({ ...base, maxSlice: 50, pace: { perMinute: 120, jitterPercent: 0 }, random: Math.random, credit: 0, lastSliceAt: T0, now: T0 + MINUTE });
    expect(plan.size).toBe(50);
    expect(plan.credit).toBe(70);
    const next = planSlice({ ...base, maxSlice: 50, pace: { perMinute: 120, jitterPercent: 0 }, random: Math.random, credit: plan.credit, lastSliceAt: T0 + MINUTE, now: T0 + 2 * MINUTE });
    expect(next.credit).toBe(120); // at most one tick's worth is ever carried
  });

  it('ramps linearly during warm-up and then holds the pace', () => {
    const warmUp = { initialPerMinute: 1, durationMinutes: 10 };
    const pace = { perMinute: 10, jitterPercent: 0 };
    expect(rateAt(T0, pace, warmUp, T0)).toBe(1);
    expect(rateAt(T0 + 5 * MINUTE, pace, warmUp, T0)).toBe(5.5);
    expect(rateAt(T0 + 60 * MINUTE, pace, warmUp, T0)).toBe(10);
    // Area under the ramp: (1 + 10) / 2 * 10 minutes, then 10/min.
    expect(allowanceBetween(T0, T0 + 10 * MINUTE, pace, warmUp, T0)).toBeCloseTo(55);
    expect(allowanceBetween(T0, T0 + 12 * MINUTE, pace, warmUp, T0)).toBeCloseTo(75);

    const sizes = simulate({ ...base, pace, warmUp, random: Math.random }, 15);
    // First tick: one minute at the initial rate; then the area under the ramp, remainder carried.
    expect(sizes.slice(0, 4)).toEqual([1, 1, 2, 4]);
    expect(sum(sizes.slice(0, 10))).toBe(Math.floor(1 + ((1 + 9.1) / 2) * 9));
    expect(sizes.slice(-3)).toEqual([10, 10, 10]);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]!).toBeGreaterThanOrEqual(sizes[i - 1]!);
  });

  it('ramps over days for a new number', () => {
    const warmUp = { initialPerMinute: 0.5, durationMinutes: 3 * 24 * 60 };
    const pace = { perMinute: 20, jitterPercent: 0 };
    const day = 24 * 60 * MINUTE;
    expect(rateAt(T0 + day, pace, warmUp, T0)).toBeCloseTo(0.5 + 19.5 / 3);
    expect(rateAt(T0 + 4 * day, pace, warmUp, T0)).toBe(20);
  });
});
