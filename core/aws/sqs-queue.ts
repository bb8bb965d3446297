/**
 * SQS adapter: one instance per queue URL, on an injected client. Sends in batches of 10, receives with long
 * polling, and exposes the receive count so consumers can see redelivery. Transport faults become
 * `DependencyError`.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DependencyError } from '../errors.ts';
import { isTransportError } from './dynamo-table.ts';

export interface OutgoingMessage {
  readonly body: string;
  /** FIFO only: messages of one group are delivered in order. */
  readonly groupId?: string;
  /** FIFO only: a second send with the same id within 5 minutes is dropped by SQS. */
  readonly deduplicationId?: string;
  /** Standard queues only, 0-900. */
  readonly delaySeconds?: number;
  readonly attributes?: Record<string, string>;
}

export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly sentAt: number;
  readonly groupId?: string;
  readonly attributes: Record<string, string>;
}

export interface ReceiveOptions {
  readonly maxMessages?: number;
  readonly waitSeconds?: number;
  readonly visibilityTimeoutSeconds?: number;
  readonly abortSignal?: AbortSignal;
}

export interface BatchFailure {
  readonly index: number;
  readonly code: string;
}

export class SqsQueue {
  constructor(
    private readonly sqs: SQSClient,
    readonly url: string,
  ) {}

  async send(message: OutgoingMessage): Promise<string> {
    const out = await this.call(() =>
      this.sqs.send(
        new SendMessageCommand({
          QueueUrl: this.url,
          MessageBody: message.body,
          MessageGroupId: message.groupId,
          MessageDeduplicationId: message.deduplicationId,
          DelaySeconds: message.delaySeconds,
          MessageAttributes: toAttributes(message.attributes),
        }),
      ),
    );
    return out.MessageId ?? '';
  }

  /** Sends any number of messages, 10 per request; returns the ones SQS refused (by input index). */
  async sendMany(messages: readonly OutgoingMessage[]): Promise<BatchFailure[]> {
    const failures: BatchFailure[] = [];
    for (let start = 0; start < messages.length; start += 10) {
      const chunk = messages.slice(start, start + 10);
      const out = await this.call(() =>
        this.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.url,
            Entries: chunk.map((message, i) => ({
              Id: String(i),
              MessageBody: message.body,
              MessageGroupId: message.groupId,
              MessageDeduplicationId: message.deduplicationId,
              DelaySeconds: message.delaySeconds,
              MessageAttributes: toAttributes(message.attributes),
            })),
          }),
        ),
      );
      for (const failed of out.Failed ?? []) failures.push({ index: start + Number(failed.Id), code: failed.Code ?? 'unknown' });
    }
    return failures;
  }

  async receive(options: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    const out = await this.call(() =>
      this.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.url,
          MaxNumberOfMessages: options.maxMessages ?? 10,
          WaitTimeSeconds: options.waitSeconds ?? 20,
          VisibilityTimeout: options.visibilityTimeoutSeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: options.abortSignal },
      ),
    );
    return (out.Messages ?? []).map((message) => ({
      messageId: message.MessageId ?? '',
      receiptHandle: message.ReceiptHandle ?? '',
      body: message.Body ?? '',
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      sentAt: Number(message.Attributes?.SentTimestamp ?? Date.now()),
      groupId: message.Attributes?.MessageGroupId,
      attributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([key, value]) => [key, value.StringValue ?? '']),
      ),
    }));
  }

  async delete(receiptHandle: string): Promise<void> {
    await this.call(() => this.sqs.send(new DeleteMessageCommand({ QueueUrl: this.url, ReceiptHandle: receiptHandle })));
  }

  async deleteMany(receiptHandles: readonly string[]): Promise<void> {
    for (let start = 0; start < receiptHandles.length; start += 10) {
      const chunk = receiptHandles.slice(start, start + 10);
      await this.call(() =>
        this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.url,
            Entries: chunk.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle })),
          }),
        ),
      );
    }
  }

  /** Extends (or, with 0, ends) a received message's invisibility. */
  async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    await this.call(() =>
      this.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: this.url, ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }),
      ),
    );
  }

  /** Approximate visible and in-flight message counts. */
  async depth(): Promise<{ visible: number; inFlight: number; delayed: number }> {
    const out = await this.call(() =>
      this.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
        }),
      ),
    );
    return {
      visible: Number(out.Attributes?.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(out.Attributes?.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (isTransportError(error) || (error as { $retryable?: unknown }).$retryable) {
        throw new DependencyError('sqs', (error as Error).message ?? 'request failed', error);
      }
      throw error;
    }
  }
}

function toAttributes(attributes: Record<string, string> | undefined) {
  if (!attributes || Object.keys(attributes).length === 0) return undefined;
  return Object.fromEntries(
    Object.entries(attributes).map(([key, value]) => [key, { DataType: 'String', StringValue: value }]),
  );
}
