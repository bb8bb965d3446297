import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqsEmulator, type SqsEmulator } from '../../../local/sqs-emulator/sqs-emulator-server.ts';

describe('SQS emulator over the SDK wire protocol', () => {
  let emulator: SqsEmulator;
  let sqs: SQSClient;

  beforeAll(async () => {
    emulator = await startSqsEmulator();
    sqs = new SQSClient({ endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  });
  afterAll(async () => {
    sqs.destroy();
    await emulator.close();
  });

  it('creates queues idempotently and refuses a conflicting re-create', async () => {
    const first = await sqs.send(new CreateQueueCommand({ QueueName: 'idem', Attributes: { VisibilityTimeout: '10' } }));
    const again = await sqs.send(new CreateQueueCommand({ QueueName: 'idem', Attributes: { VisibilityTimeout: '10' } }));
    expect(again.QueueUrl).toBe(first.QueueUrl);
    expect(first.QueueUrl).toBe(`${emulator.url}/000000000000/idem`);
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'idem', Attributes: { VisibilityTimeout: '11' } }))).rejects.toMatchObject({
      name: 'QueueNameExists',
    });
  });

  it('reports errors under the names AWS uses', async () => {
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: `${emulator.url}/000000000000/missing`, MessageBody: 'x' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
    });
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'strict.fifo', Attributes: { FifoQueue: 'true' } }));
    await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageGroupId: 'g' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 400 },
      message: expect.stringContaining('ContentBasedDeduplication'),
    });
  });

  it('answers a long poll as soon as a message arrives', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'prompt' }));
    const started = Date.now();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 }));
    setTimeout(() => void sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' })), 100);
    const out = await polling;
    expect(out.Messages?.map((m) => m.Body)).toEqual(['hello']);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('leaves messages alone when the polling client goes away', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'abandoned' }));
    const abort = new AbortController();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }), { abortSignal: abort.signal });
    abort.abort();
    await expect(polling).rejects.toThrow();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'still here' }));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(attributes.Attributes).toMatchObject({ ApproximateNumberOfMessages: '1', ApproximateNumberOfMessagesNotVisible: '0' });
  });

  it('reports per-entry batch failures without failing the batch', async () => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'batch' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'one' }));
    const [message] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages ?? [];
    const out = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'good', ReceiptHandle: message!.ReceiptHandle },
          { Id: 'bad', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );
    expect(out.Successful?.map((entry) => entry.Id)).toEqual(['good']);
    expect(out.Failed).toEqual([expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true })]);
  });
});
