/**
 * Batches the runner's events into the events queue (D7): `publish` only buffers; a batch of up to 10
 * events (one SendMessageBatch) leaves as soon as 10 are waiting, or ~100 ms after the first one, so a
 * burst of receipts costs a tenth of the requests and a lone event waits at most a tenth of a second.
 *
 * A batch the queue refuses is retried with exponential backoff (at-least-once: a retried batch may repeat
 * an event, which webhook receivers dedup by its id). The buffer is bounded: while the queue is
 * unreachable for long, the oldest events are dropped beyond `maxBuffered`, counted and logged, rather
 * than the runner running out of memory. `close` flushes what is left (bounded in time) on shutdown.
 */
import type { AnyEvent } from '../../core/domain/event.ts';
import type { EventPublisher } from '../../core/events/event-publisher.ts';
import type { Logger } from '../../core/logger.ts';
import { settleWithin } from '../settle-within.ts';

export interface BufferedPublisherOptions {
  readonly batchSize: number;
  readonly flushIntervalMs: number;
  readonly maxBuffered: number;
  /** Batches sent at the same time. */
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
}

export const DEFAULT_BUFFERED_PUBLISHER: BufferedPublisherOptions = {
  batchSize: 10,
  flushIntervalMs: 100,
  maxBuffered: 10_000,
  concurrency: 4,
  maxAttempts: 6,
  retryBaseMs: 200,
};

interface Batch {
  readonly events: AnyEvent[];
  attempts: number;
}

export class BufferedEventPublisher implements EventPublisher {
  private readonly options: BufferedPublisherOptions;
  private buffer: AnyEvent[] = [];
  private retries: Batch[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private sending = 0;
  private dropped = 0;
  /** Send partial batches too (the interval elapsed, or closing). */
  private flushing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly inner: EventPublisher,
    private readonly logger: Logger,
    options: Partial<BufferedPublisherOptions> = {},
  ) {
    this.options = { ...DEFAULT_BUFFERED_PUBLISHER, ...options };
  }

  /** Buffers the events; resolves at once (delivery happens in the background). */
  async publish(events: readonly AnyEvent[]): Promise<void> {
    this.buffer.push(...events);
    const excess = this.buffer.length - this.options.maxBuffered;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.dropped += excess;
      this.logger.error('events.dropped', { dropped: excess, droppedTotal: this.dropped });
    }
    this.pump();
  }

  /** Events waiting or in flight. */
  pending(): number {
    return this.buffer.length + this.retries.reduce((n, batch) => n + batch.events.length, 0) + this.sending;
  }

  droppedCount(): number {
    return this.dropped;
  }

  /** Sends everything buffered now; resolves when all is sent or given up, or after `timeoutMs`. */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = true;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.pump();
    await settleWithin(idle, timeoutMs);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.pending() > 0) this.logger.error('events.unsent_at_close', { pending: this.pending() });
  }

  private pump(): void {
    while (this.sending < this.options.concurrency) {
      const batch = this.nextBatch();
      if (!batch) break;
      void this.send(batch);
    }
    if (this.buffer.length > 0 && !this.timer && !this.flushing) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushing = true;
        this.pump();
        this.flushing = false;
      }, this.options.flushIntervalMs);
    }
    if (this.pending() === 0) this.notifyIdle();
  }

  /** A retry whose backoff elapsed, else a full batch, else (when flushing) whatever is buffered. */
  private nextBatch(): Batch | undefined {
    if (this.retries.length > 0 && !this.retryTimer) return this.retries.shift();
    if (this.buffer.length >= this.options.batchSize || (this.flushing && this.buffer.length > 0)) {
      return { events: this.buffer.splice(0, this.options.batchSize), attempts: 0 };
    }
    return undefined;
  }

  private async send(batch: Batch): Promise<void> {
    this.sending += batch.events.length;
    try {
      await this.inner.publish(batch.events);
    } catch (error) {
      batch.attempts += 1;
      if (batch.attempts >= this.options.maxAttempts) {
        this.dropped += batch.events.length;
        this.logger.error('events.batch_given_up', { events: batch.events.length, attempts: batch.attempts, error });
      } else {
        this.logger.warn('events.batch_failed', { events: batch.events.length, attempts: batch.attempts, error });
        this.retries.push(batch);
        this.backOff(batch.attempts);
      }
    } finally {
      this.sending -= batch.events.length;
      this.pump();
    }
  }

  private backOff(attempts: number): void {
    if (this.retryTimer) return;
    const delay = Math.min(10_000, this.options.retryBaseMs * 2 ** (attempts - 1));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.pump();
    }, delay);
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
