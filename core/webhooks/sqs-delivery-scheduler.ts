/**
 * The SQS implementation of the DeliveryScheduler port: attempts go to the `webhook-deliveries` queue with a
 * delay, exhausted deliveries to its DLQ. SQS delays a message by at most 15 minutes; a longer wait is sent
 * with the maximum delay and re-delayed by the consumer when it arrives early (the message carries
 * `notBefore`), so hours-long backoff needs no scheduler.
 */
import type { SqsQueue, OutgoingMessage } from '../aws/sqs-queue.ts';
import { DependencyError } from '../errors.ts';
import type { DeliveryMessage } from './delivery.ts';
import type { DeliveryScheduler } from './ports.ts';

export const MAX_SQS_DELAY_SECONDS = 900;

/** The SQS delay for a message due at `notBefore`: 0-900 seconds. */
export function delaySecondsUntil(notBefore: number, nowMs: number): number {
  return Math.max(0, Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil((notBefore - nowMs) / 1000)));
}

export class SqsDeliveryScheduler implements DeliveryScheduler {
  constructor(
    private readonly queue: SqsQueue,
    /** Absent where only replays are scheduled (the API function has no access to the DLQ). */
    private readonly deadLetters?: SqsQueue,
  ) {}

  async schedule(message: DeliveryMessage, nowMs: number): Promise<void> {
    await this.queue.send(toOutgoing(message, nowMs));
  }

  async scheduleMany(messages: readonly DeliveryMessage[], nowMs: number): Promise<void> {
    const outgoing = messages.map((message) => toOutgoing(message, nowMs));
    let failures = await this.queue.sendMany(outgoing);
    if (failures.length) failures = await this.queue.sendMany(failures.map((failure) => outgoing[failure.index]!));
    if (failures.length) throw new DependencyError('sqs', `${failures.length} deliveries not accepted by the deliveries queue`);
  }

  async deadLetter(message: DeliveryMessage, reason: string): Promise<void> {
    if (!this.deadLetters) throw new Error('no dead-letter queue configured');
    await this.deadLetters.send({
      body: JSON.stringify({ ...message, reason }),
      attributes: { tenantId: message.tenantId, reason },
    });
  }
}

function toOutgoing(message: DeliveryMessage, nowMs: number): OutgoingMessage {
  return {
    body: JSON.stringify(message),
    delaySeconds: delaySecondsUntil(message.notBefore, nowMs),
    attributes: { tenantId: message.tenantId },
  };
}
