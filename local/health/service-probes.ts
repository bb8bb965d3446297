/**
 * Health probes of the backing services, each a cheap real call on a resource the stack provisioned: the
 * tenants table (DescribeTable), the events queue (GetQueueAttributes), the imports bucket (HeadBucket), and
 * the simulator's control API. Given clients with a single attempt, so a dead service shows at once.
 */
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../core/aws/clients.ts';
import { bucketNameFromEnv, queueUrlFromEnv, tableNameFromEnv } from '../../core/resource-config.ts';
import { buckets, queues } from '../../core/resources.ts';
import type { ServiceProbe } from './stack-health.ts';

export function awsProbes(clients: AwsClients, env: NodeJS.ProcessEnv): ServiceProbe[] {
  const table = tableNameFromEnv('tenants', env);
  const queueUrl = queueUrlFromEnv(queues.events, env);
  const bucket = bucketNameFromEnv(buckets.imports, env);
  return [
    { name: 'dynamodb', check: (abortSignal) => clients.dynamo.send(new DescribeTableCommand({ TableName: table }), { abortSignal }) },
    {
      name: 'sqs',
      check: (abortSignal) => clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }), { abortSignal }),
    },
    { name: 's3', check: (abortSignal) => clients.s3.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal }) },
  ];
}

export function httpProbe(name: string, url: string): ServiceProbe {
  return {
    name,
    async check(signal) {
      const res = await fetch(url, { signal });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`answered ${res.status}`);
    },
  };
}
