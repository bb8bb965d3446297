import { afterEach, describe, expect, it, vi } from 'vitest';
import { pause } from '../../../core/abortable-pause.ts';

describe('pause', () => {
  afterEach(() => vi.useRealTimers());

  it('resolves after the given time', async () => {
    vi.useFakeTimers();
    let done = false;
    void pause(1_000, new AbortController().signal).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(done).toBe(true);
  });

  it('resolves at once when aborted, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const paused = pause(60_000, controller.signal);
    controller.abort();
    await paused;
    expect(vi.getTimerCount()).toBe(0);
    await pause(60_000, controller.signal);
    expect(vi.getTimerCount()).toBe(0);
  });
});
