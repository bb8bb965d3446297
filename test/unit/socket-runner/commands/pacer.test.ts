import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer, PacingAbortedError } from '../../../../socket-runner/commands/pacer.ts';
import { fakeClock } from '../session/fakes.ts';

/** Takes `count` tokens back to back and records when each take resolved (ms after the start). */
async function takeTimes(pacer: Pacer, count: number): Promise<number[]> {
  const start = Date.now();
  const times: number[] = [];
  const run = (async () => {
    for (let i = 0; i < count; i++) {
      await pacer.take();
      times.push(Date.now() - start);
    }
  })();
  await vi.runAllTimersAsync();
  await run;
  return times;
}

describe('Pacer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('lets a burst through at once, then one send per 60/perMinute seconds', async () => {
    const pacer = new Pacer({ perMinute: 20, burst: 3, jitterMs: 0 }, fakeClock, () => 0);
    expect(await takeTimes(pacer, 6)).toEqual([0, 0, 0, 3_000, 6_000, 9_000]);
  });

  it('refills while idle, never above the burst', async () => {
    const pacer = new Pacer({ perMinute: 60, burst: 2, jitterMs: 0 }, fakeClock, () => 0);
    await takeTimes(pacer, 2);
    vi.advanceTimersByTime(60_000);
    expect(await takeTimes(pacer, 4)).toEqual([0, 0, 1_000, 2_000]);
  });

  it('adds up to jitterMs of random delay to every send', async () => {
    const pacer = new Pacer({ perMinute: 60, burst: 5, jitterMs: 2_000 }, fakeClock, () => 0.5);
    expect(await takeTimes(pacer, 2)).toEqual([1_000, 2_000]);
    const maxJitter = new Pacer({ perMinute: 60, burst: 5, jitterMs: 2_000 }, fakeClock, () => 0.999_999);
    expect(await takeTimes(maxJitter, 1)).toEqual([2_000]);
  });

  it('keeps the sustained rate over a long run, jitter included', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647);
    const pacer = new Pacer({ perMinute: 30, burst: 5, jitterMs: 500 }, fakeClock, random);
    const times = await takeTimes(pacer, 65);
    const lastMinute = times.filter((t) => t > times.at(-1)! - 60_000).length;
    expect(lastMinute).toBeLessThanOrEqual(31);
    expect(lastMinute).toBeGreaterThanOrEqual(25);
  });

  it('applies new settings without granting a fresh burst', async () => {
    const pacer = new Pacer({ perMinute: 60, burst: 10, jitterMs: 0 }, fakeClock, () => 0);
    await takeTimes(pacer, 9);
    pacer.update({ perMinute: 6, burst: 2, jitterMs: 0 });
    expect(await takeTimes(pacer, 2)).toEqual([0, 10_000]);
  });

  it('stops waiting when aborted', async () => {
    const pacer = new Pacer({ perMinute: 1, burst: 1, jitterMs: 0 }, fakeClock, () => 0);
    await pacer.take();
    const controller = new AbortController();
    const waiting = pacer.take(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(PacingAbortedError);
    expect(vi.getTimerCount()).toBe(0);
  });
});
