/**
 * Publishing events to the events queue (D7). `EventPublisher` is the port use-cases depend on; the SQS
 * adapter sends in batches of 10 and retries the entries SQS refused once before failing.
 */
import type { SqsQueue } from '../aws/sqs-queue.ts';
import type { Clock } from '../clock.ts';
import { systemClock } from '../clock.ts';
import { DependencyError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { AnyEvent, EventData, EventEnvelope, EventType } from '../domain/event.ts';

export interface EventPublisher {
  publish(events: readonly AnyEvent[]): Promise<void>;
}

export interface EventContext {
  readonly tenantId: string;
  readonly sessionId?: string;
  readonly correlationId?: string;
}

/** Builds an event envelope with a fresh id and the current time. */
export function newEvent<T extends EventType>(
  type: T,
  context: EventContext,
  data: EventData[T],
  clock: Clock = systemClock,
): EventEnvelope<T> {
  return {
    v: 1,
    id: newId(clock.now()),
    type,
    tenantId: context.tenantId,
    sessionId: context.sessionId,
    occurredAt: new Date(clock.now()).toISOString(),
    correlationId: context.correlationId,
    data,
  };
}

export class SqsEventPublisher implements EventPublisher {
  constructor(private readonly queue: SqsQueue) {}

  async publish(events: readonly AnyEvent[]): Promise<void> {
    if (events.length === 0) return;
    const messages = events.map((event) => ({
      body: JSON.stringify(event),
      attributes: { type: event.type, tenantId: event.tenantId },
    }));
    let failures = await this.queue.sendMany(messages);
    if (failures.length) failures = await this.queue.sendMany(failures.map((failure) => messages[failure.index]!));
    if (failures.length) throw new DependencyError('sqs', `${failures.length} events not accepted by the events queue`);
  }
}
