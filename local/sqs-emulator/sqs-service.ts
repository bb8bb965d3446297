/**
 * The SQS actions of the embedded emulator, on parsed JSON-protocol requests: queue registry (create, look
 * up, attributes, delete, purge) and message actions with SQS's validation rules and batch shapes. Only the
 * API surface wa-fleet and its tools use; anything else is an UnsupportedOperation, never a silent no-op.
 */
import {
  EmulatedQueue,
  md5OfMessageAttributes,
  type MessageAttributeValue,
  type NewMessage,
} from './emulated-queue.ts';
import { DEFAULT_SETTINGS, applySettings, int, settingOf } from './queue-settings.ts';
import { SqsEmulatorError } from './sqs-emulator-error.ts';

type Input = Record<string, unknown>;
type Output = Record<string, unknown>;

export interface SqsServiceOptions {
  readonly region?: string;
  readonly accountId?: string;
  readonly now?: () => number;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
// Characters SQS accepts in a message body (XML 1.0 character ranges).
// eslint-disable-next-line no-control-regex
const INVALID_BODY_CHARACTER = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export class SqsService {
  private readonly queues = new Map<string, EmulatedQueue>();
  private readonly region: string;
  private readonly accountId: string;
  private readonly now: () => number;
  private closed = false;

  constructor(
    private baseUrl: string,
    options: SqsServiceOptions = {},
  ) {
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.now = options.now ?? Date.now;
  }

  setBaseUrl(baseUrl: string): void {
    this.baseUrl = baseUrl;
  }

  /** Runs one action; `signal` aborts a long poll when the client goes away. */
  async handle(action: string, input: Input, signal?: AbortSignal): Promise<Output> {
    switch (action) {
      case 'CreateQueue':
        return this.createQueue(input);
      case 'GetQueueUrl':
        return { QueueUrl: this.urlOf(this.byName(str(input.QueueName, 'QueueName'))) };
      case 'ListQueues': {
        const prefix = typeof input.QueueNamePrefix === 'string' ? input.QueueNamePrefix : '';
        return { QueueUrls: [...this.queues.values()].filter((q) => q.name.startsWith(prefix)).map((q) => this.urlOf(q)) };
      }
      case 'DeleteQueue': {
        const queue = this.byUrl(input.QueueUrl);
        this.queues.delete(queue.name);
        queue.wake();
        return {};
      }
      case 'PurgeQueue':
        this.byUrl(input.QueueUrl).purge();
        return {};
      case 'GetQueueAttributes':
        return { Attributes: this.attributesOf(this.byUrl(input.QueueUrl), input.AttributeNames) };
      case 'SetQueueAttributes': {
        const queue = this.byUrl(input.QueueUrl);
        applySettings(queue.settings, (input.Attributes ?? {}) as Record<string, string>, queue.fifo, (arn) => this.byArn(arn));
        queue.lastModifiedAt = this.now();
        return {};
      }
      case 'SendMessage': {
        const queue = this.byUrl(input.QueueUrl);
        return sendOutput(queue.send(this.newMessage(queue, input)));
      }
      case 'SendMessageBatch': {
        const queue = this.byUrl(input.QueueUrl);
        return this.batch(input, (entry) => sendOutput(queue.send(this.newMessage(queue, entry))));
      }
      case 'ReceiveMessage':
        return this.receive(input, signal);
      case 'DeleteMessage':
        this.byUrl(input.QueueUrl).delete(str(input.ReceiptHandle, 'ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch': {
        const queue = this.byUrl(input.QueueUrl);
        return this.batch(input, (entry) => (queue.delete(str(entry.ReceiptHandle, 'ReceiptHandle')), {}));
      }
      case 'ChangeMessageVisibility':
        this.byUrl(input.QueueUrl).changeVisibility(str(input.ReceiptHandle, 'ReceiptHandle'), visibility(input.VisibilityTimeout));
        return {};
      case 'ChangeMessageVisibilityBatch': {
        const queue = this.byUrl(input.QueueUrl);
        return this.batch(input, (entry) => {
          queue.changeVisibility(str(entry.ReceiptHandle, 'ReceiptHandle'), visibility(entry.VisibilityTimeout));
          return {};
        });
      }
      default:
        throw new SqsEmulatorError('UnsupportedOperation', `${action} is not supported by the wa-fleet SQS emulator`);
    }
  }

  /** Ends every pending long poll (server shutdown). */
  close(): void {
    this.closed = true;
    for (const queue of this.queues.values()) queue.wake();
  }

  private createQueue(input: Input): Output {
    const name = str(input.QueueName, 'QueueName');
    const requested = (input.Attributes ?? {}) as Record<string, string>;
    const fifo = requested.FifoQueue === 'true';
    const bare = name.endsWith('.fifo') ? name.slice(0, -5) : name;
    if (!QUEUE_NAME.test(bare) || fifo !== name.endsWith('.fifo')) {
      throw new SqsEmulatorError('InvalidParameterValue', `Invalid queue name ${name} (a FIFO queue's name must end with .fifo, and only FIFO queues may)`);
    }
    const existing = this.queues.get(name);
    const settings = { ...DEFAULT_SETTINGS };
    applySettings(settings, requested, fifo, (arn) => this.byArn(arn));
    if (existing) {
      const differs = Object.keys(requested).some(
        (key) => key !== 'FifoQueue' && JSON.stringify(settingOf(existing.settings, key)) !== JSON.stringify(settingOf(settings, key)),
      );
      if (differs) throw new SqsEmulatorError('QueueNameExists', `A queue already exists with the same name and a different value for an attribute: ${name}`);
      return { QueueUrl: this.urlOf(existing) };
    }
    const queue = new EmulatedQueue(name, `arn:aws:sqs:${this.region}:${this.accountId}:${name}`, settings, this.now);
    this.queues.set(name, queue);
    return { QueueUrl: this.urlOf(queue) };
  }

  private async receive(input: Input, signal?: AbortSignal): Promise<Output> {
    const queue = this.byUrl(input.QueueUrl);
    const max = int(input.MaxNumberOfMessages, 1, 1, 10, 'MaxNumberOfMessages');
    const wait = int(input.WaitTimeSeconds, queue.settings.receiveWaitTimeSeconds, 0, 20, 'WaitTimeSeconds');
    const hideFor = visibility(input.VisibilityTimeout ?? queue.settings.visibilityTimeoutSeconds);
    const deadline = this.now() + wait * 1000;
    for (;;) {
      const taken = queue.take(max, hideFor, (message) => this.redrive(queue, message));
      if (taken.length || this.now() >= deadline || signal?.aborted || this.closed || !this.queues.has(queue.name)) {
        const systemNames = [...list(input.AttributeNames), ...list(input.MessageSystemAttributeNames)];
        const attributeNames = list(input.MessageAttributeNames);
        return {
          Messages: taken.map((message) => {
            const attributes = pick(message.systemAttributes, systemNames);
            const messageAttributes = message.messageAttributes ? pickMessageAttributes(message.messageAttributes, attributeNames) : undefined;
            return {
              MessageId: message.messageId,
              ReceiptHandle: message.receiptHandle,
              MD5OfBody: message.md5OfBody,
              Body: message.body,
              Attributes: Object.keys(attributes).length ? attributes : undefined,
              MessageAttributes: messageAttributes,
              MD5OfMessageAttributes: messageAttributes ? md5OfMessageAttributes(messageAttributes) : undefined,
            };
          }),
        };
      }
      await queue.changed(deadline, signal);
    }
  }

  private redrive(source: EmulatedQueue, message: NewMessage): void {
    const target = source.settings.redrivePolicy && this.findByArn(source.settings.redrivePolicy.deadLetterTargetArn);
    // AWS drops nothing silently either way: with its DLQ gone, the message stays lost to the source queue.
    target?.send(message);
  }

  private newMessage(queue: EmulatedQueue, input: Input): NewMessage {
    const body = str(input.MessageBody, 'MessageBody');
    if (body.length === 0) throw new SqsEmulatorError('MissingParameter', 'The request must contain the parameter MessageBody.');
    if (Buffer.byteLength(body) > queue.settings.maximumMessageSize) {
      throw new SqsEmulatorError('InvalidParameterValue', `One or more parameters are invalid. Reason: Message must be shorter than ${queue.settings.maximumMessageSize} bytes.`);
    }
    if (INVALID_BODY_CHARACTER.test(body)) {
      throw new SqsEmulatorError('InvalidMessageContents', 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF');
    }
    const groupId = typeof input.MessageGroupId === 'string' ? input.MessageGroupId : undefined;
    const deduplicationId = typeof input.MessageDeduplicationId === 'string' ? input.MessageDeduplicationId : undefined;
    if (queue.fifo) {
      if (!groupId) throw new SqsEmulatorError('MissingParameter', 'The request must contain the parameter MessageGroupId.');
      if (!deduplicationId && !queue.settings.contentBasedDeduplication) {
        throw new SqsEmulatorError('InvalidParameterValue', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
      }
      if (input.DelaySeconds !== undefined && input.DelaySeconds !== 0) {
        throw new SqsEmulatorError('InvalidParameterValue', 'Value for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.');
      }
    } else if (deduplicationId) {
      throw new SqsEmulatorError('InvalidParameterValue', 'The request includes a parameter that is not valid for this queue type: MessageDeduplicationId');
    }
    return {
      body,
      attributes: input.MessageAttributes as Record<string, MessageAttributeValue> | undefined,
      groupId,
      deduplicationId: queue.fifo ? deduplicationId : undefined,
      delaySeconds: input.DelaySeconds === undefined ? undefined : int(input.DelaySeconds, 0, 0, 900, 'DelaySeconds'),
    };
  }

  private batch(input: Input, run: (entry: Input) => Output): Output {
    const entries = (Array.isArray(input.Entries) ? input.Entries : []) as Input[];
    if (entries.length === 0) throw new SqsEmulatorError('EmptyBatchRequest', 'There should be at least one entry in the request.');
    if (entries.length > 10) throw new SqsEmulatorError('TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.');
    const ids = entries.map((entry) => entry.Id);
    if (new Set(ids).size !== ids.length) throw new SqsEmulatorError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.');
    const successful: Output[] = [];
    const failed: Output[] = [];
    for (const entry of entries) {
      if (typeof entry.Id !== 'string' || !/^[A-Za-z0-9_-]{1,80}$/.test(entry.Id)) {
        throw new SqsEmulatorError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores.');
      }
      try {
        successful.push({ Id: entry.Id, ...run(entry) });
      } catch (error) {
        if (!(error instanceof SqsEmulatorError)) throw error;
        failed.push({ Id: entry.Id, SenderFault: true, Code: error.queryCode, Message: error.message });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  private attributesOf(queue: EmulatedQueue, requested: unknown): Record<string, string> {
    const counts = queue.counts();
    const all: Record<string, string> = {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
      VisibilityTimeout: String(queue.settings.visibilityTimeoutSeconds),
      DelaySeconds: String(queue.settings.delaySeconds),
      MessageRetentionPeriod: String(queue.settings.retentionSeconds),
      MaximumMessageSize: String(queue.settings.maximumMessageSize),
      ReceiveMessageWaitTimeSeconds: String(queue.settings.receiveWaitTimeSeconds),
    };
    if (queue.settings.redrivePolicy) all.RedrivePolicy = JSON.stringify(queue.settings.redrivePolicy);
    if (queue.fifo) {
      all.FifoQueue = 'true';
      all.ContentBasedDeduplication = String(queue.settings.contentBasedDeduplication);
    }
    return pick(all, list(requested));
  }

  private urlOf(queue: EmulatedQueue): string {
    return `${this.baseUrl}/${this.accountId}/${queue.name}`;
  }

  private byName(name: string): EmulatedQueue {
    const queue = this.queues.get(name);
    if (!queue) throw new SqsEmulatorError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  private byUrl(url: unknown): EmulatedQueue {
    const name = str(url, 'QueueUrl').split('/').pop() ?? '';
    return this.byName(name);
  }

  private findByArn(arn: string): EmulatedQueue | undefined {
    return [...this.queues.values()].find((queue) => queue.arn === arn);
  }

  private byArn(arn: string): EmulatedQueue {
    const queue = this.findByArn(arn);
    if (!queue) throw new SqsEmulatorError('InvalidParameterValue', `Value ${arn} for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.`);
    return queue;
  }
}

function sendOutput(result: ReturnType<EmulatedQueue['send']>): Output {
  return {
    MessageId: result.messageId,
    MD5OfMessageBody: result.md5OfBody,
    MD5OfMessageAttributes: result.md5OfMessageAttributes,
    SequenceNumber: result.sequenceNumber,
  };
}

function pick(values: Record<string, string>, names: readonly string[]): Record<string, string> {
  if (names.includes('All')) return values;
  return Object.fromEntries(Object.entries(values).filter(([key]) => names.includes(key)));
}

function pickMessageAttributes(values: Record<string, MessageAttributeValue>, names: readonly string[]): Record<string, MessageAttributeValue> | undefined {
  const wanted = (name: string) =>
    names.some((pattern) => pattern === 'All' || pattern === '.*' || pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))));
  const picked = Object.fromEntries(Object.entries(values).filter(([name]) => wanted(name)));
  return Object.keys(picked).length ? picked : undefined;
}

function list(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function str(value: unknown, parameter: string): string {
  if (typeof value !== 'string') throw new SqsEmulatorError('MissingParameter', `The request must contain the parameter ${parameter}.`);
  return value;
}

function visibility(value: unknown): number {
  return int(value, 30, 0, 43_200, 'VisibilityTimeout');
}
