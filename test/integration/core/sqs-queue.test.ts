import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsQueue } from '../../../core/aws/sqs-queue.ts';
import { queueUrlFromEnv } from '../../../core/resource-config.ts';
import { queues, slotQueueUrl } from '../../../core/resources.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';

describe('SqsQueue on the embedded SQS emulator', () => {
  let aws: AwsFixture;
  let slot0: SqsQueue;
  let slot1: SqsQueue;
  let events: SqsQueue;
  let eventsDlq: SqsQueue;
  let deliveries: SqsQueue;

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 2 });
    const template = queueUrlFromEnv(queues.commands, aws.env);
    slot0 = new SqsQueue(aws.clients.sqs, slotQueueUrl(template, 0));
    slot1 = new SqsQueue(aws.clients.sqs, slotQueueUrl(template, 1));
    events = new SqsQueue(aws.clients.sqs, queueUrlFromEnv(queues.events, aws.env));
    eventsDlq = new SqsQueue(aws.clients.sqs, queueUrlFromEnv(queues.eventsDlq, aws.env));
    deliveries = new SqsQueue(aws.clients.sqs, queueUrlFromEnv(queues.deliveries, aws.env));
  });
  afterAll(() => aws.close());

  describe('FIFO slot queues', () => {
    it('deliver each message group in send order', async () => {
      // Prepare: two sessions' commands, interleaved.
      const sent = [
        ['s-a', 'a1'],
        ['s-b', 'b1'],
        ['s-a', 'a2'],
        ['s-b', 'b2'],
        ['s-a', 'a3'],
      ] as const;
      for (const [groupId, body] of sent) await slot0.send({ body, groupId, deduplicationId: `order-${body}` });

      // Act: drain the queue, acknowledging as we go.
      const seen: { groupId?: string; body: string }[] = [];
      for (let round = 0; round < 5 && seen.length < sent.length; round++) {
        const batch = await slot0.receive({ waitSeconds: 1 });
        seen.push(...batch.map(({ groupId, body }) => ({ groupId, body })));
        await slot0.deleteMany(batch.map((message) => message.receiptHandle));
      }

      // Assess: per-group order holds.
      expect(seen.filter((m) => m.groupId === 's-a').map((m) => m.body)).toEqual(['a1', 'a2', 'a3']);
      expect(seen.filter((m) => m.groupId === 's-b').map((m) => m.body)).toEqual(['b1', 'b2']);
    });

    it('hold back the rest of a group while one of its messages is in flight', async () => {
      await slot1.send({ body: 'first', groupId: 'held', deduplicationId: 'held-1' });
      await slot1.send({ body: 'second', groupId: 'held', deduplicationId: 'held-2' });

      const [first] = await slot1.receive({ maxMessages: 1, waitSeconds: 1 });
      expect(first?.body).toBe('first');
      expect(await slot1.receive({ waitSeconds: 0 })).toEqual([]);

      await slot1.delete(first!.receiptHandle);
      const next = await slot1.receive({ waitSeconds: 1 });
      expect(next.map((m) => m.body)).toEqual(['second']);
      await slot1.deleteMany(next.map((m) => m.receiptHandle));
    });

    it('drop a second send with the same deduplication id', async () => {
      await slot0.send({ body: 'once', groupId: 'dedup', deduplicationId: 'cmd-1' });
      await slot0.send({ body: 'once again', groupId: 'dedup', deduplicationId: 'cmd-1' });
      await slot0.send({ body: 'other', groupId: 'dedup', deduplicationId: 'cmd-2' });

      const received: string[] = [];
      for (let round = 0; round < 4; round++) {
        const batch = await slot0.receive({ waitSeconds: round === 0 ? 1 : 0 });
        received.push(...batch.map((m) => m.body));
        await slot0.deleteMany(batch.map((m) => m.receiptHandle));
      }
      expect(received).toEqual(['once', 'other']);
    });
  });

  describe('visibility', () => {
    it('hides a received message for its visibility timeout, then redelivers it with a higher receive count', async () => {
      await deliveries.send({ body: 'retry-me' });
      const [first] = await deliveries.receive({ waitSeconds: 1, visibilityTimeoutSeconds: 1 });
      expect(first).toMatchObject({ body: 'retry-me', receiveCount: 1 });

      expect(await deliveries.receive({ waitSeconds: 0 })).toEqual([]);

      const [again] = await deliveries.receive({ waitSeconds: 3 });
      expect(again).toMatchObject({ body: 'retry-me', receiveCount: 2, messageId: first!.messageId });
      await deliveries.delete(again!.receiptHandle);
    });

    it('keeps a message hidden past its timeout when extended, and releases it at once with 0', async () => {
      await deliveries.send({ body: 'long-job' });
      const [message] = await deliveries.receive({ waitSeconds: 1, visibilityTimeoutSeconds: 1 });
      await deliveries.changeVisibility(message!.receiptHandle, 30);

      expect(await deliveries.receive({ waitSeconds: 2 })).toEqual([]);

      await deliveries.changeVisibility(message!.receiptHandle, 0);
      const [released] = await deliveries.receive({ waitSeconds: 1 });
      expect(released).toMatchObject({ body: 'long-job', receiveCount: 2 });
      await deliveries.delete(released!.receiptHandle);
    });

    it('reports visible and in-flight depth', async () => {
      await deliveries.sendMany([{ body: 'd1' }, { body: 'd2' }]);
      const [taken] = await deliveries.receive({ maxMessages: 1, waitSeconds: 1 });
      expect(await deliveries.depth()).toMatchObject({ visible: 1, inFlight: 1 });
      const rest = await deliveries.receive({ waitSeconds: 1 });
      await deliveries.deleteMany([taken!.receiptHandle, ...rest.map((m) => m.receiptHandle)]);
      expect(await deliveries.depth()).toMatchObject({ visible: 0, inFlight: 0 });
    });
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives', async () => {
    await events.send({ body: 'poison', attributes: { kind: 'test' } });

    const counts: number[] = [];
    for (let attempt = 0; attempt < queues.events.maxReceiveCount + 1; attempt++) {
      // Visibility 0: every receive is a failed processing attempt that returns the message at once.
      const batch = await events.receive({ waitSeconds: 0, visibilityTimeoutSeconds: 0 });
      counts.push(...batch.map((m) => m.receiveCount));
    }

    expect(counts).toEqual([1, 2, 3, 4, 5]);
    const dead = await eventsDlq.receive({ waitSeconds: 1 });
    expect(dead.map((m) => ({ body: m.body, attributes: m.attributes }))).toEqual([
      { body: 'poison', attributes: { kind: 'test' } },
    ]);
    await eventsDlq.deleteMany(dead.map((m) => m.receiptHandle));
  });
});
