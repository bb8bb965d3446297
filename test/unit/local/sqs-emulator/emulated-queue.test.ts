import { describe, expect, it, vi } from 'vitest';
import { EmulatedQueue, md5OfMessageAttributes, type NewMessage, type QueueSettings } from '../../../../local/sqs-emulator/emulated-queue.ts';
import { SqsEmulatorError } from '../../../../local/sqs-emulator/sqs-emulator-error.ts';

const settings = (overrides: Partial<QueueSettings> = {}): QueueSettings => ({
  visibilityTimeoutSeconds: 30,
  delaySeconds: 0,
  retentionSeconds: 3600,
  maximumMessageSize: 1024 * 1024,
  receiveWaitTimeSeconds: 0,
  contentBasedDeduplication: false,
  ...overrides,
});

function queueAt(name: string, overrides: Partial<QueueSettings> = {}) {
  let now = 1_000_000;
  const queue = new EmulatedQueue(name, `arn:aws:sqs:us-east-1:000000000000:${name}`, settings(overrides), () => now);
  const deadLetters: NewMessage[] = [];
  const take = (max = 10, visibility = 30) => queue.take(max, visibility, (message) => deadLetters.push(message));
  return { queue, take, deadLetters, advance: (ms: number) => (now += ms) };
}

describe('EmulatedQueue', () => {
  describe('FIFO', () => {
    it('delivers a group in order and blocks it while a message is in flight, across visibility expiry', () => {
      const { queue, take, advance } = queueAt('q.fifo');
      for (const body of ['a1', 'a2']) queue.send({ body, groupId: 'a', deduplicationId: body });
      queue.send({ body: 'b1', groupId: 'b', deduplicationId: 'b1' });

      const [a1] = take(1, 10);
      expect(a1?.body).toBe('a1');
      expect(take().map((m) => m.body)).toEqual(['b1']); // group a is blocked by a1 in flight

      advance(10_000); // a1's visibility expires: it is first in line again, a2 still waits behind it
      const again = take(1, 10);
      expect(again.map((m) => [m.body, m.systemAttributes.ApproximateReceiveCount])).toEqual([['a1', '2']]);
      queue.delete(again[0]!.receiptHandle);
      expect(take().map((m) => m.body)).toEqual(['a2']);
    });

    it('returns several messages of one free group in a single batch, in order, with sequence numbers', () => {
      const { queue, take } = queueAt('q.fifo');
      for (const body of ['1', '2', '3']) queue.send({ body, groupId: 'g', deduplicationId: body });
      const batch = take();
      expect(batch.map((m) => m.body)).toEqual(['1', '2', '3']);
      const sequence = batch.map((m) => m.systemAttributes.SequenceNumber!);
      expect([...sequence].sort()).toEqual(sequence);
    });

    it('deduplicates within five minutes, by id or by content when enabled', () => {
      const { queue, take, advance } = queueAt('q.fifo', { contentBasedDeduplication: true });
      const first = queue.send({ body: 'x', groupId: 'g', deduplicationId: 'd' });
      expect(queue.send({ body: 'y', groupId: 'g', deduplicationId: 'd' }).messageId).toBe(first.messageId);
      queue.send({ body: 'same', groupId: 'g' });
      queue.send({ body: 'same', groupId: 'g' });
      const taken = take();
      expect(taken.map((m) => m.body)).toEqual(['x', 'same']);
      for (const message of taken) queue.delete(message.receiptHandle);

      advance(5 * 60_000);
      queue.send({ body: 'x', groupId: 'g', deduplicationId: 'd' });
      expect(queue.counts().visible).toBe(1);
    });

    it('refuses a delete once the visibility timeout has passed (the receipt handle expired)', () => {
      const { queue, take, advance } = queueAt('q.fifo');
      queue.send({ body: 'slow', groupId: 'g', deduplicationId: 's' });
      const [message] = take(1, 5);
      advance(5_000);
      expect(() => queue.delete(message!.receiptHandle)).toThrow(SqsEmulatorError);
    });
  });

  describe('visibility', () => {
    it('hides a received message until its timeout, then redelivers it', () => {
      const { queue, take, advance } = queueAt('q');
      queue.send({ body: 'm' });
      expect(take(10, 20)).toHaveLength(1);
      advance(19_999);
      expect(take()).toEqual([]);
      advance(1);
      expect(take()[0]?.systemAttributes.ApproximateReceiveCount).toBe('2');
    });

    it('changes visibility only for the current handle of an in-flight message', () => {
      const { queue, take } = queueAt('q');
      queue.send({ body: 'm' });
      const [first] = take(10, 0);
      const [second] = take(10, 30);
      expect(() => queue.changeVisibility(first!.receiptHandle, 10)).toThrow(/not available/);
      queue.changeVisibility(second!.receiptHandle, 0);
      expect(take()).toHaveLength(1);
      expect(() => queue.changeVisibility('garbage', 0)).toThrow(/not a valid receipt handle/);
    });

    it('holds delayed messages back and counts them as delayed', () => {
      const { queue, take, advance } = queueAt('q', { delaySeconds: 2 });
      queue.send({ body: 'queue default delay' });
      queue.send({ body: 'own delay', delaySeconds: 5 });
      expect(queue.counts()).toEqual({ visible: 0, inFlight: 0, delayed: 2 });
      advance(2_000);
      expect(take().map((m) => m.body)).toEqual(['queue default delay']);
      advance(3_000);
      expect(take().map((m) => m.body)).toEqual(['own delay']);
    });
  });

  it('redrives a message on the receive after maxReceiveCount, keeping its id and attributes', () => {
    const { queue, take, deadLetters } = queueAt('q', { redrivePolicy: { deadLetterTargetArn: 'arn:dlq', maxReceiveCount: 2 } });
    const attributes = { kind: { DataType: 'String', StringValue: 'x' } };
    const sent = queue.send({ body: 'poison', attributes });
    expect(take(10, 0)).toHaveLength(1);
    expect(take(10, 0)).toHaveLength(1);

    expect(take(10, 0)).toEqual([]);
    expect(deadLetters).toEqual([expect.objectContaining({ body: 'poison', attributes, messageId: sent.messageId, deadLetterSourceArn: queue.arn })]);
    expect(queue.counts()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('drops messages older than the retention period', () => {
    const { queue, take, advance } = queueAt('q', { retentionSeconds: 60 });
    queue.send({ body: 'old' });
    advance(61_000);
    expect(take()).toEqual([]);
  });

  describe('long polling', () => {
    it('wakes a waiting receive on send, and at the next visibility expiry', async () => {
      vi.useFakeTimers({ now: 0 });
      try {
        const queue = new EmulatedQueue('w', 'arn:w', settings(), () => Date.now());
        let woke = false;
        void queue.changed(Date.now() + 20_000).then(() => (woke = true));
        queue.send({ body: 'now' });
        await vi.advanceTimersByTimeAsync(0);
        expect(woke).toBe(true);

        queue.take(10, 3, () => undefined);
        woke = false;
        void queue.changed(Date.now() + 20_000).then(() => (woke = true));
        await vi.advanceTimersByTimeAsync(2_999);
        expect(woke).toBe(false);
        await vi.advanceTimersByTimeAsync(1);
        expect(woke).toBe(true);
      } finally {
        vi.useRealTimers();
      }
    });

    it('stops waiting when aborted', async () => {
      const queue = new EmulatedQueue('w', 'arn:w', settings(), Date.now);
      const abort = new AbortController();
      const waiting = queue.changed(Date.now() + 60_000, abort.signal);
      abort.abort();
      await expect(waiting).resolves.toBeUndefined();
    });
  });

  it('computes the message attribute checksum SQS documents', () => {
    // Expected value from an independent implementation (aws-md5-of-message-attributes) of the same inputs.
    const attributes = {
      test: { DataType: 'String', StringValue: 'test' },
      'a.num': { DataType: 'Number', StringValue: '42' },
      bin: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') },
    };
    expect(md5OfMessageAttributes(attributes)).toBe('7e68beb18b9d43a5dc24894db665ed8d');
  });
});
