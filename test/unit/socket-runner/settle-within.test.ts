import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settleWithin } from '../../../socket-runner/settle-within.ts';

describe('settleWithin', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is true when the promise settles in time, resolved or rejected, and leaves no timer behind', async () => {
    await expect(settleWithin(Promise.resolve('done'), 1_000)).resolves.toBe(true);
    await expect(settleWithin(Promise.reject(new Error('failed')), 1_000)).resolves.toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is false once the time runs out, without waiting for the promise', async () => {
    const waited = settleWithin(new Promise(() => {}), 1_000);
    await vi.advanceTimersByTimeAsync(999);
    let result: boolean | undefined;
    void waited.then((value) => (result = value));
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toBe(false);
  });

  it('does not wait at all when no time is left', async () => {
    await expect(settleWithin(new Promise(() => {}), 0)).resolves.toBe(false);
    expect(vi.getTimerCount()).toBe(0);
  });
});
