import type { ScheduledEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../../core/logger.ts';
import { ScheduleTicker } from '../../../../local/event-sources/schedule-ticker.ts';

describe('ScheduleTicker (EventBridge rate rule)', () => {
  const logger = createLogger('ticker-test');
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-11-21T12:00:00.000Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('first ticks one interval after start, then every interval, with a Scheduled Event', async () => {
    const events: ScheduledEvent[] = [];
    const ticker = new ScheduleTicker({ functionName: 'scheduler', intervalSeconds: 60, logger, handler: async (event) => void events.push(event) });
    ticker.start();

    await vi.advanceTimersByTimeAsync(59_999);
    expect(events).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(60_000);

    expect(events.map((e) => e.time)).toEqual(['2026-11-21T12:01:00Z', '2026-11-21T12:02:00Z']);
    expect(events[0]).toMatchObject({
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      resources: ['arn:aws:events:us-east-1:000000000000:rule/SchedulerTick'],
      detail: {},
    });
    await ticker.stop();
  });

  it('skips a tick while the previous one still runs, without drifting', async () => {
    const started: number[] = [];
    let release = () => undefined as void;
    const ticker = new ScheduleTicker({
      functionName: 'scheduler',
      intervalSeconds: 10,
      timeoutMs: 60_000,
      logger,
      handler: () => {
        started.push(Date.now());
        return started.length === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
    });
    ticker.start();
    await vi.advanceTimersByTimeAsync(25_000); // tick at 10 s hangs; 20 s is skipped
    release();
    await vi.advanceTimersByTimeAsync(5_000); // 30 s runs on schedule

    const base = Date.parse('2026-11-21T12:00:00.000Z');
    expect(started.map((t) => (t - base) / 1000)).toEqual([10, 30]);
    await ticker.stop();
  });

  it('survives a failing or hanging handler, and stops ticking when stopped', async () => {
    let calls = 0;
    const ticker = new ScheduleTicker({
      functionName: 'scheduler',
      intervalSeconds: 1,
      timeoutMs: 500,
      logger,
      handler: () => (++calls === 1 ? Promise.reject(new Error('boom')) : new Promise(() => undefined)),
    });
    ticker.start();
    await vi.advanceTimersByTimeAsync(3_000);
    expect(calls).toBe(3); // the hang at 2 s timed out at 2.5 s, so 3 s ran
    const stopping = ticker.stop(); // waits for the tick in progress (hanging: until its timeout)
    await vi.advanceTimersByTimeAsync(500);
    await stopping;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toBe(3);
  });
});
