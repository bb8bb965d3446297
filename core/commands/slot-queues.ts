/**
 * The S slot command queues (FIFO, MessageGroupId = sessionId, D3). Delivers command envelopes to the slot
 * of the runner that owns a session; the deduplication id is the command id, so a resend within SQS's
 * 5-minute window is dropped by SQS itself.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SqsQueue } from '../aws/sqs-queue.ts';
import type { CommandEnvelope } from '../domain/command.ts';
import { slotQueueUrl } from '../resources.ts';

export class SlotQueues {
  private readonly queues = new Map<number, SqsQueue>();

  constructor(
    private readonly sqs: SQSClient,
    private readonly urlTemplate: string,
    readonly slotCount: number,
  ) {}

  /** The adapter for slot k's queue. */
  queue(slot: number): SqsQueue {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.slotCount) throw new Error(`slot ${slot} out of range`);
    let queue = this.queues.get(slot);
    if (!queue) {
      queue = new SqsQueue(this.sqs, slotQueueUrl(this.urlTemplate, slot));
      this.queues.set(slot, queue);
    }
    return queue;
  }

  async send(slot: number, envelope: CommandEnvelope): Promise<void> {
    await this.queue(slot).send({
      body: JSON.stringify(envelope),
      groupId: envelope.sessionId,
      deduplicationId: envelope.hops ? `${envelope.commandId}-${envelope.hops}` : envelope.commandId,
    });
  }
}
