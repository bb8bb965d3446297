/**
 * Deletes a slot queue's handled messages by group commit: a delete goes out at once while fewer than
 * `maxInFlight` delete requests are on the wire (DeleteMessage); the ones asked for while all are busy leave
 * together as soon as one returns (DeleteMessageBatch, 10 per request). Nothing waits on a timer, so a quiet
 * runner deletes exactly as fast as before, and a busy one pays fewer requests. Several requests may be in
 * flight, so one slow or stuck request does not hold up every other delete of the slot.
 *
 * A delete that fails only means the message reappears after its visibility timeout; the command's item
 * (claimed or done) turns that copy into a no-op, so failures are reported, never retried here.
 */
import type { SqsQueue } from '../../core/aws/sqs-queue.ts';

/** SQS's limit on entries per DeleteMessageBatch. */
const MAX_BATCH = 10;

export type DeletingQueue = Pick<SqsQueue, 'delete' | 'deleteMany'>;

interface Waiting {
  readonly receiptHandle: string;
  readonly done: () => void;
}

export class DeleteBatcher {
  private waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly queue: DeletingQueue,
    private readonly onError: (error: unknown, messages: number) => void,
    private readonly maxInFlight = 4,
  ) {}

  /** Resolves once the delete was attempted (never rejects: failures go to `onError`). */
  delete(receiptHandle: string): Promise<void> {
    return new Promise((done) => {
      this.waiting.push({ receiptHandle, done });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async send(batch: readonly Waiting[]): Promise<void> {
    try {
      if (batch.length === 1) await this.queue.delete(batch[0]!.receiptHandle);
      else await this.queue.deleteMany(batch.map((entry) => entry.receiptHandle));
    } catch (error) {
      this.onError(error, batch.length);
    }
    for (const entry of batch) entry.done();
  }
}
