/**
 * An SQS event source mapping as Lambda runs it (infra: batchSize 10, reportBatchItemFailures), for a
 * function that runs in this process: long-poll up to 10 messages, invoke the handler with an `SQSEvent`,
 * then delete what succeeded. Failures are left alone, so they turn visible again after the queue's
 * visibility timeout and the redrive policy moves them to the DLQ after `maxReceiveCount` receives.
 *
 * - `{ batchItemFailures: [...] }`: every other record is deleted; an identifier that is empty or not in the
 *   batch fails the whole batch (Lambda's rule).
 * - a thrown error, a rejected promise, or a run past the function timeout fails the whole batch. (Lambda
 *   would also kill a timed-out invocation; in one process it runs on, its result ignored.)
 * Idle cost: one long poll per loop, no timers.
 */
import { createHash } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ReceiveOptions, ReceivedMessage } from '../../core/aws/sqs-queue.ts';
import type { Logger } from '../../core/logger.ts';
import { LOCAL_API } from '../gateway/proxy-event.ts';
import { lambdaContext } from '../lambda-context.ts';
import { pause } from '../../core/abortable-pause.ts';

export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | undefined>;

/** What the poller needs of a queue (core/aws/sqs-queue.ts `SqsQueue` provides it). */
export interface PolledQueue {
  readonly url: string;
  receive(options: ReceiveOptions): Promise<ReceivedMessage[]>;
  deleteMany(receiptHandles: readonly string[]): Promise<void>;
}

export interface SqsPollerOptions {
  /** The function's name, for logs and the Lambda context. */
  readonly functionName: string;
  readonly queue: PolledQueue;
  readonly handler: SqsBatchHandler;
  readonly logger: Logger;
  readonly batchSize?: number;
  readonly waitSeconds?: number;
  /** The function timeout (infra: 30 s for the webhook consumers). */
  readonly timeoutMs?: number;
  /** Parallel polling loops (Lambda scales pollers up to the mapping's maxConcurrency). */
  readonly concurrency?: number;
  /** Pause after a failed receive, so a dead queue endpoint is not hammered. */
  readonly errorPauseMs?: number;
}

export interface BatchOutcome {
  readonly received: number;
  readonly deleted: number;
  readonly failed: number;
}

export class SqsPoller {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private readonly sourceArn: string;

  constructor(private readonly options: SqsPollerOptions) {
    this.sourceArn = queueArnFromUrl(options.queue.url);
  }

  start(): void {
    if (this.loops.length) return;
    const concurrency = this.options.concurrency ?? 1;
    this.loops = Array.from({ length: concurrency }, () => this.loop());
  }

  /** Ends the long polls and waits for batches being processed to finish. */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.loops);
  }

  /** Receives and processes one batch (the loop body; exposed for tests). */
  async pollOnce(): Promise<BatchOutcome> {
    const messages = await this.options.queue.receive({
      maxMessages: this.options.batchSize ?? 10,
      waitSeconds: this.options.waitSeconds ?? 20,
      abortSignal: this.abort.signal,
    });
    if (messages.length === 0) return { received: 0, deleted: 0, failed: 0 };
    const failedIds = await this.invoke(messages);
    const done = messages.filter((message) => !failedIds.has(message.messageId));
    if (done.length) await this.options.queue.deleteMany(done.map((message) => message.receiptHandle));
    return { received: messages.length, deleted: done.length, failed: messages.length - done.length };
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        await this.pollOnce();
      } catch (error) {
        if (this.abort.signal.aborted) return;
        this.options.logger.error('poller.receive_failed', { functionName: this.options.functionName, error: error as Error });
        await pause(this.options.errorPauseMs ?? 1_000, this.abort.signal);
      }
    }
  }

  /** Runs the handler; returns the ids of records that must stay on the queue. */
  private async invoke(messages: readonly ReceivedMessage[]): Promise<Set<string>> {
    const all = new Set(messages.map((message) => message.messageId));
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const event: SQSEvent = { Records: messages.map((message) => this.record(message)) };
    const context = lambdaContext({ functionName: this.options.functionName, timeoutMs });
    let timer: NodeJS.Timeout | undefined;
    try {
      const outcome = await Promise.race([
        this.options.handler(event, context),
        new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
      ]);
      if (outcome === 'timeout') {
        this.options.logger.error('poller.handler_timeout', { functionName: this.options.functionName, timeoutMs, records: messages.length });
        return all;
      }
      const failures = outcome?.batchItemFailures ?? [];
      const ids = failures.map((failure) => failure?.itemIdentifier);
      if (ids.some((id) => typeof id !== 'string' || !all.has(id))) {
        this.options.logger.error('poller.invalid_batch_response', { functionName: this.options.functionName, records: messages.length });
        return all;
      }
      if (ids.length) this.options.logger.warn('poller.partial_failure', { functionName: this.options.functionName, failed: ids.length, records: messages.length });
      return new Set(ids as string[]);
    } catch (error) {
      this.options.logger.error('poller.handler_failed', { functionName: this.options.functionName, records: messages.length, error: error as Error });
      return all;
    } finally {
      clearTimeout(timer);
    }
  }

  private record(message: ReceivedMessage): SQSRecord {
    const attributes: SQSRecord['attributes'] = {
      ApproximateReceiveCount: String(message.receiveCount),
      SentTimestamp: String(message.sentAt),
      SenderId: 'AIDAEMULATOR',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    };
    if (message.groupId) attributes.MessageGroupId = message.groupId;
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle,
      body: message.body,
      attributes,
      messageAttributes: Object.fromEntries(
        Object.entries(message.attributes).map(([name, value]) => [
          name,
          { stringValue: value, stringListValues: [], binaryListValues: [], dataType: 'String' },
        ]),
      ),
      md5OfBody: createHash('md5').update(message.body).digest('hex'),
      eventSource: 'aws:sqs',
      eventSourceARN: this.sourceArn,
      awsRegion: LOCAL_API.region,
    };
  }
}

/** `http://host/000000000000/name` -> `arn:aws:sqs:us-east-1:000000000000:name`. */
export function queueArnFromUrl(url: string): string {
  const [account = LOCAL_API.accountId, name = ''] = new URL(url).pathname.split('/').filter(Boolean).slice(-2);
  return `arn:aws:sqs:${LOCAL_API.region}:${account}:${name}`;
}
