/**
 * One queue of the embedded SQS emulator: messages, visibility, FIFO message groups, deduplication, delays,
 * retention and redrive to a dead-letter queue, with the semantics wa-fleet relies on in AWS:
 * - a long poll returns as soon as one message is available (not when the batch is full);
 * - a FIFO group with a message in flight delivers nothing more until that message is deleted or visible
 *   again (per-session command order, ARCHITECTURE D3);
 * - a message received `maxReceiveCount` times moves to the dead-letter queue on its next receive.
 * Pure in-memory state; the HTTP protocol lives in sqs-emulator-server.ts, the action rules in sqs-service.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SqsEmulatorError } from './sqs-emulator-error.ts';

export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  delaySeconds: number;
  retentionSeconds: number;
  maximumMessageSize: number;
  receiveWaitTimeSeconds: number;
  contentBasedDeduplication: boolean;
  redrivePolicy?: { deadLetterTargetArn: string; maxReceiveCount: number };
}

export interface NewMessage {
  readonly body: string;
  readonly attributes?: Record<string, MessageAttributeValue>;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly delaySeconds?: number;
  /** Set when a message arrives by redrive: the queue it came from. */
  readonly deadLetterSourceArn?: string;
  /** Redrive keeps the original id. */
  readonly messageId?: string;
}

export interface SendResult {
  readonly messageId: string;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes?: string;
  readonly sequenceNumber?: string;
}

export interface DeliveredMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly messageAttributes?: Record<string, MessageAttributeValue>;
  readonly systemAttributes: Record<string, string>;
}

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly attributes?: Record<string, MessageAttributeValue>;
  readonly sentAt: number;
  readonly groupId?: string;
  readonly deduplicationId?: string;
  readonly sequenceNumber?: string;
  readonly deadLetterSourceArn?: string;
  receiveCount: number;
  firstReceivedAt?: number;
  /** Epoch ms from which the message may be received (delay or visibility timeout). */
  visibleAt: number;
  /** Current receipt handle; undefined until first received. */
  receiptHandle?: string;
}

const DEDUPLICATION_WINDOW_MS = 5 * 60_000;

export class EmulatedQueue {
  readonly fifo: boolean;
  readonly createdAt: number;
  lastModifiedAt: number;
  private messages: StoredMessage[] = [];
  private readonly deduplication = new Map<string, { result: SendResult; expiresAt: number }>();
  private sequence = 0n;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly settings: QueueSettings,
    private readonly now: () => number,
  ) {
    this.fifo = name.endsWith('.fifo');
    this.createdAt = now();
    this.lastModifiedAt = this.createdAt;
  }

  send(input: NewMessage): SendResult {
    const now = this.now();
    const deduplicationId =
      input.deduplicationId ??
      (this.fifo && this.settings.contentBasedDeduplication ? createHash('sha256').update(input.body).digest('hex') : undefined);
    if (this.fifo && deduplicationId) {
      const seen = this.deduplication.get(deduplicationId);
      // A duplicate is accepted and dropped: the original's id, checksums of what this request sent.
      if (seen && seen.expiresAt > now) return { ...seen.result, ...checksums(input) };
    }
    const id = input.messageId ?? randomUuid();
    const sequenceNumber = this.fifo ? String(++this.sequence).padStart(20, '0') : undefined;
    const stored: StoredMessage = {
      id,
      body: input.body,
      md5OfBody: md5(input.body),
      attributes: input.attributes && Object.keys(input.attributes).length ? input.attributes : undefined,
      sentAt: now,
      groupId: input.groupId,
      deduplicationId,
      sequenceNumber,
      deadLetterSourceArn: input.deadLetterSourceArn,
      receiveCount: 0,
      visibleAt: now + (input.delaySeconds ?? this.settings.delaySeconds) * 1000,
    };
    this.messages.push(stored);
    const result: SendResult = { messageId: id, ...checksums(input), sequenceNumber };
    if (this.fifo && deduplicationId) this.deduplication.set(deduplicationId, { result, expiresAt: now + DEDUPLICATION_WINDOW_MS });
    this.wake();
    return result;
  }

  /**
   * Takes up to `max` receivable messages, hiding each for `visibilityTimeoutSeconds`. Messages due for
   * redrive are handed to `deadLetter` instead of being returned.
   */
  take(max: number, visibilityTimeoutSeconds: number, deadLetter: (message: NewMessage) => void): DeliveredMessage[] {
    const now = this.now();
    this.expire(now);
    const blockedGroups = new Set<string>();
    if (this.fifo) {
      for (const message of this.messages) if (message.visibleAt > now && message.groupId) blockedGroups.add(message.groupId);
    }
    const out: DeliveredMessage[] = [];
    const redriven: StoredMessage[] = [];
    for (const message of this.messages) {
      if (out.length >= max) break;
      if (message.visibleAt > now) continue;
      if (message.groupId && blockedGroups.has(message.groupId)) continue;
      const redrive = this.settings.redrivePolicy;
      if (redrive && message.receiveCount >= redrive.maxReceiveCount) {
        redriven.push(message);
        continue;
      }
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.visibleAt = now + visibilityTimeoutSeconds * 1000;
      message.receiptHandle = encodeReceiptHandle(this.name, message.id);
      out.push(this.deliver(message));
    }
    if (redriven.length) {
      this.messages = this.messages.filter((message) => !redriven.includes(message));
      for (const message of redriven) {
        deadLetter({
          body: message.body,
          attributes: message.attributes,
          groupId: message.groupId,
          deduplicationId: message.deduplicationId,
          deadLetterSourceArn: this.arn,
          messageId: message.id,
        });
      }
    }
    return out;
  }

  delete(receiptHandle: string): void {
    const messageId = decodeReceiptHandle(this.name, receiptHandle);
    const index = this.messages.findIndex((message) => message.id === messageId);
    const message = this.messages[index];
    if (!message) return; // already deleted: SQS treats a repeat delete as success
    if (this.fifo && (message.receiptHandle !== receiptHandle || message.visibleAt <= this.now())) {
      throw new SqsEmulatorError('InvalidParameterValue', `Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`);
    }
    this.messages.splice(index, 1);
    if (this.fifo) this.wake();
  }

  changeVisibility(receiptHandle: string, seconds: number): void {
    const messageId = decodeReceiptHandle(this.name, receiptHandle);
    const message = this.messages.find((candidate) => candidate.id === messageId);
    if (!message || message.receiptHandle !== receiptHandle || message.visibleAt <= this.now()) {
      throw new SqsEmulatorError('MessageNotInflight', 'Message does not exist or is not available for visibility timeout change.');
    }
    message.visibleAt = this.now() + seconds * 1000;
    if (seconds === 0) this.wake();
  }

  purge(): void {
    this.messages = [];
  }

  counts(): { visible: number; inFlight: number; delayed: number } {
    const now = this.now();
    this.expire(now);
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of this.messages) {
      if (message.visibleAt <= now) visible++;
      else if (message.receiptHandle) inFlight++;
      else delayed++;
    }
    return { visible, inFlight, delayed };
  }

  /**
   * Resolves when something may have become receivable: a send, a delete (FIFO), a visibility reset, the
   * next delay or visibility expiry, or `until` (epoch ms), whichever comes first.
   */
  changed(until: number, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const nextVisible = this.messages.reduce((soonest, m) => (m.visibleAt > now ? Math.min(soonest, m.visibleAt) : soonest), Infinity);
    const wakeAt = Math.min(until, nextVisible);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, wakeAt - now));
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Releases every waiting long poll (queue deleted, server closing). */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private deliver(message: StoredMessage): DeliveredMessage {
    const systemAttributes: Record<string, string> = {
      SenderId: 'AIDAEMULATOR',
      SentTimestamp: String(message.sentAt),
      ApproximateReceiveCount: String(message.receiveCount),
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt),
    };
    if (message.groupId) systemAttributes.MessageGroupId = message.groupId;
    if (message.deduplicationId) systemAttributes.MessageDeduplicationId = message.deduplicationId;
    if (message.sequenceNumber) systemAttributes.SequenceNumber = message.sequenceNumber;
    if (message.deadLetterSourceArn) systemAttributes.DeadLetterQueueSourceArn = message.deadLetterSourceArn;
    return {
      messageId: message.id,
      receiptHandle: message.receiptHandle ?? '',
      body: message.body,
      md5OfBody: message.md5OfBody,
      messageAttributes: message.attributes,
      systemAttributes,
    };
  }

  private expire(now: number): void {
    const oldest = now - this.settings.retentionSeconds * 1000;
    if (this.messages.some((message) => message.sentAt < oldest)) {
      this.messages = this.messages.filter((message) => message.sentAt >= oldest);
    }
    for (const [id, entry] of this.deduplication) if (entry.expiresAt <= now) this.deduplication.delete(id);
  }
}

function checksums(input: NewMessage): { md5OfBody: string; md5OfMessageAttributes?: string } {
  const attributes = input.attributes && Object.keys(input.attributes).length ? input.attributes : undefined;
  return { md5OfBody: md5(input.body), md5OfMessageAttributes: attributes ? md5OfMessageAttributes(attributes) : undefined };
}

export function md5(text: string | Buffer): string {
  return createHash('md5').update(text).digest('hex');
}

/** The MD5 SQS reports over message attributes (sorted names; length-prefixed name, type and value). */
export function md5OfMessageAttributes(attributes: Record<string, MessageAttributeValue>): string {
  const hash = createHash('md5');
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length).update(bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!;
    field(Buffer.from(name, 'utf8'));
    field(Buffer.from(value.DataType, 'utf8'));
    const binary = value.DataType.startsWith('Binary');
    hash.update(Buffer.from([binary ? 2 : 1]));
    field(binary ? Buffer.from(value.BinaryValue ?? '', 'base64') : Buffer.from(value.StringValue ?? '', 'utf8'));
  }
  return hash.digest('hex');
}

function encodeReceiptHandle(queue: string, messageId: string): string {
  return Buffer.from(JSON.stringify({ q: queue, m: messageId, n: randomBytes(8).toString('hex') })).toString('base64url');
}

function decodeReceiptHandle(queue: string, handle: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(handle, 'base64url').toString('utf8')) as { q?: unknown; m?: unknown };
    if (parsed.q === queue && typeof parsed.m === 'string') return parsed.m;
  } catch {
    // fall through to the SQS error
  }
  throw new SqsEmulatorError('ReceiptHandleIsInvalid', `The input receipt handle "${handle}" is not a valid receipt handle.`);
}

function randomUuid(): string {
  return globalThis.crypto.randomUUID();
}
