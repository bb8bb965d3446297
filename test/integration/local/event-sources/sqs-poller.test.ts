import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsQueue } from '../../../../core/aws/sqs-queue.ts';
import { createLogger } from '../../../../core/logger.ts';
import { SqsPoller, type SqsBatchHandler } from '../../../../local/event-sources/sqs-poller.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';

const logger = createLogger('poller-test');

describe('SqsPoller (Lambda SQS event source) on the emulator', () => {
  let aws: AwsFixture;
  let counter = 0;

  /** A fresh queue with a 1 s visibility timeout and a DLQ after `maxReceiveCount` receives. */
  async function queuePair(maxReceiveCount = 2): Promise<{ source: SqsQueue; dlq: SqsQueue }> {
    const name = `${aws.prefix}poll-${++counter}`;
    const dlq = await aws.clients.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
    const arn = await aws.clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
    const source = await aws.clients.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn.Attributes?.QueueArn, maxReceiveCount }) },
      }),
    );
    return { source: new SqsQueue(aws.clients.sqs, source.QueueUrl!), dlq: new SqsQueue(aws.clients.sqs, dlq.QueueUrl!) };
  }

  const poller = (queue: SqsQueue, handler: SqsBatchHandler, extra: { timeoutMs?: number } = {}) =>
    new SqsPoller({ functionName: 'test-fn', queue, handler, logger, waitSeconds: 1, ...extra });

  beforeAll(async () => {
    aws = await provisionedAws();
  });
  afterAll(() => aws.close());

  it('hands the handler an SQSEvent shaped like Lambda\'s and deletes the batch on success', async () => {
    const { source } = await queuePair();
    await source.sendMany([{ body: 'a', attributes: { kind: 'x' } }, { body: 'b' }]);
    const seen: SQSEvent[] = [];

    const outcome = await poller(source, async (event) => void seen.push(event)).pollOnce();

    expect(outcome).toEqual({ received: 2, deleted: 2, failed: 0 });
    expect(seen[0]?.Records.map((r) => r.body).sort()).toEqual(['a', 'b']);
    expect(seen[0]?.Records.find((r) => r.body === 'a')).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: expect.stringMatching(/^arn:aws:sqs:us-east-1:\d{12}:.+poll-\d+$/),
      awsRegion: 'us-east-1',
      md5OfBody: '0cc175b9c0f1b6a831c399e269772661',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: { kind: { stringValue: 'x', dataType: 'String' } },
    });
    expect(await source.depth()).toMatchObject({ visible: 0, inFlight: 0 });
  });

  it('deletes the successes of a partial batch failure and leaves the failures in flight', async () => {
    const { source } = await queuePair();
    await source.sendMany([{ body: 'ok-1' }, { body: 'fail' }, { body: 'ok-2' }]);
    const handler: SqsBatchHandler = async (event): Promise<SQSBatchResponse> => ({
      batchItemFailures: event.Records.filter((r) => r.body === 'fail').map((r) => ({ itemIdentifier: r.messageId })),
    });

    expect(await poller(source, handler).pollOnce()).toEqual({ received: 3, deleted: 2, failed: 1 });
    expect(await source.depth()).toMatchObject({ visible: 0, inFlight: 1 });
  });

  it('fails the whole batch when the handler throws, answers an unknown identifier, or runs past its timeout', async () => {
    const { source } = await queuePair(10);
    await source.sendMany([{ body: '1' }, { body: '2' }]);

    const throwing = poller(source, async () => {
      throw new Error('boom');
    });
    expect(await throwing.pollOnce()).toMatchObject({ received: 2, deleted: 0 });
    expect(await source.depth()).toMatchObject({ inFlight: 2 });

    const unknownId = poller(source, async () => ({ batchItemFailures: [{ itemIdentifier: 'not-in-batch' }] }));
    expect(await unknownId.pollOnce()).toMatchObject({ received: 2, deleted: 0 }); // redelivered after 1 s

    const slow = poller(source, () => new Promise(() => undefined), { timeoutMs: 100 });
    expect(await slow.pollOnce()).toMatchObject({ received: 2, deleted: 0 });
  });

  it('lets the redrive policy move a record that keeps failing to the DLQ', async () => {
    const { source, dlq } = await queuePair(2);
    await source.send({ body: 'poison' });
    const alwaysFails: SqsBatchHandler = async (event) => ({ batchItemFailures: event.Records.map((r) => ({ itemIdentifier: r.messageId })) });
    const p = new SqsPoller({ functionName: 'test-fn', queue: source, handler: alwaysFails, logger, waitSeconds: 2 });

    const counts: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) counts.push((await p.pollOnce()).received);

    expect(counts).toEqual([1, 1, 0]);
    expect((await dlq.receive({ waitSeconds: 1 })).map((m) => m.body)).toEqual(['poison']);
  });

  it('polls continuously once started and stops promptly in the middle of a long poll', async () => {
    const { source } = await queuePair();
    const bodies: string[] = [];
    const running = new SqsPoller({ functionName: 'test-fn', queue: source, handler: async (e) => void bodies.push(...e.Records.map((r) => r.body)), logger });
    running.start();
    await source.send({ body: 'live' });
    await expect.poll(() => bodies, { timeout: 3_000, interval: 20 }).toEqual(['live']);

    const stopping = Date.now();
    await running.stop();
    expect(Date.now() - stopping).toBeLessThan(1_000);
  });
});
