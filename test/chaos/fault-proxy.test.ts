// The fault proxy in front of the real emulators: it names and counts what passes, and each fault does
// what the fault suite relies on (a lost response means the write happened; a partition means silence).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../core/aws/clients.ts';
import { SqsQueue } from '../../core/aws/sqs-queue.ts';
import { queueUrlFromEnv, tableNameFromEnv } from '../../core/resource-config.ts';
import { queues } from '../../core/resources.ts';
import { AwsProxies } from '../../chaos/aws-proxies.ts';
import { provisionedAws, type AwsFixture } from '../support/aws-fixture.ts';

let aws: AwsFixture;
let proxies: AwsProxies;
let viaProxy: AwsClients;
let doc: DynamoDBDocumentClient;
let table: string;

beforeAll(async () => {
  aws = await provisionedAws();
  proxies = await AwsProxies.start(aws.env);
  const routed = proxies.route(aws.env);
  viaProxy = createAwsClients({ env: routed, maxAttempts: 1 });
  // A request timeout that throws (the SDK only warns without throwOnRequestTimeout), so a blackholed call ends.
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint: routed.AWS_ENDPOINT_URL_DYNAMODB,
      maxAttempts: 1,
      credentials: { accessKeyId: routed.AWS_ACCESS_KEY_ID!, secretAccessKey: routed.AWS_SECRET_ACCESS_KEY! },
      requestHandler: { requestTimeout: 1_000, throwOnRequestTimeout: true },
    }),
  );
  table = tableNameFromEnv('sessions', aws.env);
});

afterAll(async () => {
  destroyAwsClients(viaProxy);
  doc.destroy();
  await proxies.close();
  aws.close();
});

const put = (sk: string) => doc.send(new PutCommand({ TableName: table, Item: { pk: 'proxy-test', sk, n: 1 } }));
const readDirect = async (sk: string) => (await aws.clients.doc.send(new GetCommand({ TableName: table, Key: { pk: 'proxy-test', sk }, ConsistentRead: true }))).Item;

describe('fault proxy', () => {
  it('counts requests by service, operation and resource, and items of batches', async () => {
    proxies.resetCounts();
    await put('counted');
    const events = new SqsQueue(viaProxy.sqs, queueUrlFromEnv(queues.events, aws.env));
    await events.send({ body: '{}' });

    const counts = proxies.snapshot();
    expect(counts.get(`dynamodb:PutItem:${table}`)).toBe(1);
    expect([...counts.keys()].some((key) => /^sqs:SendMessage:.*events$/.test(key))).toBe(true);
  });

  it('drop-response: the write is applied, the caller sees a failure', async () => {
    const rule = proxies.dynamodb.addRule({ name: 'lose', when: (r) => r.operation === 'PutItem', action: 'drop-response', remaining: 1 });

    await expect(put('dropped')).rejects.toThrow();

    expect(rule.hits).toBe(1);
    expect(await readDirect('dropped')).toMatchObject({ n: 1 });
    await expect(put('after-the-rule')).resolves.toBeDefined();
  });

  it('partition: nothing reaches the emulator and the caller times out', async () => {
    proxies.dynamodb.partition(true);
    try {
      await expect(put('partitioned')).rejects.toThrow();
    } finally {
      proxies.dynamodb.partition(false);
    }
    expect(await readDirect('partitioned')).toBeUndefined();
  });

  it('swallow answers success without forwarding; rewrite changes what is forwarded', async () => {
    proxies.dynamodb.addRule({ name: 'swallow', when: (r) => r.operation === 'PutItem' && JSON.stringify(r.body).includes('swallowed'), action: 'swallow', remaining: 1 });
    proxies.dynamodb.addRule({
      name: 'rewrite',
      when: (r) => r.operation === 'PutItem' && JSON.stringify(r.body).includes('rewritten'),
      action: 'rewrite',
      remaining: 1,
      rewrite: (body) => ({ ...body, Item: { ...(body.Item as object), n: { N: '2' } } }),
    });

    await put('swallowed');
    await put('rewritten');

    expect(await readDirect('swallowed')).toBeUndefined();
    expect(await readDirect('rewritten')).toMatchObject({ n: 2 });
    proxies.dynamodb.clearRules();
  });
});
