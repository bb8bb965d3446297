/**
 * Deletes a slot queue's handled messages by group commit: a delete asked for while none is in flight goes
 * out at once (DeleteMessage); those asked for while one is in flight leave together as soon as it returns
 * (DeleteMessageBatch, 10 per request). Nothing waits on a timer, so a quiet runner deletes exactly as fast
 * as before, and a busy one, whose commands finish while a delete is on the wire, pays fewer requests.
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
  private flushing = false;

  constructor(
    private readonly queue: DeletingQueue,
    private readonly onError: (error: unknown, messages: number) => void,
  ) {}

  /** Resolves once the delete was attempted (never rejects: failures go to `onError`). */
  delete(receiptHandle: string): Promise<void> {
    return new Promise((done) => {
      this.waiting.push({ receiptHandle, done });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.waiting.length) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      try {
        if (batch.length === 1) await this.queue.delete(batch[0]!.receiptHandle);
        else await this.queue.deleteMany(batch.map((entry) => entry.receiptHandle));
      } catch (error) {
        this.onError(error, batch.length);
      }
      for (const entry of batch) entry.done();
    }
    this.flushing = false;
  }
}
