import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnyEvent } from '../../../../core/domain/event.ts';
import { DependencyError } from '../../../../core/errors.ts';
import { newEvent, type EventPublisher } from '../../../../core/events/event-publisher.ts';
import { BufferedEventPublisher } from '../../../../socket-runner/events/buffered-event-publisher.ts';
import { silentLogger } from '../session/fakes.ts';

class RecordingQueue implements EventPublisher {
  readonly batches: AnyEvent[][] = [];
  failures = 0;
  async publish(events: readonly AnyEvent[]) {
    if (this.failures > 0) {
      this.failures--;
      throw new DependencyError('sqs', 'down');
    }
    this.batches.push([...events]);
  }
  sent(): number {
    return this.batches.flat().length;
  }
}

const events = (n: number): AnyEvent[] =>
  Array.from({ length: n }, (_, i) => newEvent('alert', { tenantId: 't' }, { alert: `a${i}`, severity: 'info', message: 'm' }) as AnyEvent);

describe('BufferedEventPublisher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends a full batch of 10 at once and holds a partial one for the interval', async () => {
    const queue = new RecordingQueue();
    const publisher = new BufferedEventPublisher(queue, silentLogger);
    await publisher.publish(events(13));
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.batches.map((b) => b.length)).toEqual([10]);
    await vi.advanceTimersByTimeAsync(99);
    expect(queue.sent()).toBe(10);
    await vi.advanceTimersByTimeAsync(1);
    expect(queue.batches.map((b) => b.length)).toEqual([10, 3]);
  });

  it('retries a refused batch with backoff, then delivers it', async () => {
    const queue = new RecordingQueue();
    queue.failures = 2;
    const publisher = new BufferedEventPublisher(queue, silentLogger, { retryBaseMs: 200 });
    await publisher.publish(events(10));
    await vi.advanceTimersByTimeAsync(0);
    expect(queue.sent()).toBe(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(queue.sent()).toBe(0);
    await vi.advanceTimersByTimeAsync(400);
    expect(queue.sent()).toBe(10);
    expect(publisher.pending()).toBe(0);
  });

  it('gives a batch up after maxAttempts and counts it as dropped', async () => {
    const queue = new RecordingQueue();
    queue.failures = 100;
    const publisher = new BufferedEventPublisher(queue, silentLogger, { maxAttempts: 3, retryBaseMs: 10 });
    await publisher.publish(events(10));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(publisher.droppedCount()).toBe(10);
    expect(publisher.pending()).toBe(0);
  });

  it('bounds the buffer by dropping the oldest events', async () => {
    const queue = new RecordingQueue();
    queue.failures = 1_000;
    const publisher = new BufferedEventPublisher(queue, silentLogger, { maxBuffered: 50, concurrency: 1, maxAttempts: 1_000 });
    await publisher.publish(events(200));
    expect(publisher.droppedCount()).toBeGreaterThanOrEqual(140);
    expect(publisher.pending()).toBeLessThanOrEqual(60);
  });

  it('flushes everything on close', async () => {
    const queue = new RecordingQueue();
    const publisher = new BufferedEventPublisher(queue, silentLogger);
    await publisher.publish(events(3));
    await publisher.close();
    expect(queue.sent()).toBe(3);
    expect(vi.getTimerCount()).toBe(0);
  });
});
