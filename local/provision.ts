/**
 * Idempotent provisioning of every table, queue and bucket from core/resources.ts on the embedded emulators,
 * returning the environment variables that name them (the same variables CDK sets in AWS).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type AttributeDefinition,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type Projection,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SLOT_COUNT_ENV } from '../core/resource-config.ts';
import {
  SLOT_PLACEHOLDER,
  bucketName,
  buckets,
  projectionOf,
  queueName,
  queues,
  slotQueueName,
  tableName,
  tables,
  type IndexDefinition,
  type QueueDefinition,
  type TableDefinition,
} from '../core/resources.ts';

export interface ProvisionOptions {
  readonly dynamo: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  /** Prefix of every physical name, e.g. `wa-fleet-`. */
  readonly prefix: string;
  readonly slotCount: number;
}

/** Creates what is missing and returns the resource environment variables. */
export async function provisionResources(options: ProvisionOptions): Promise<Record<string, string>> {
  const env: Record<string, string> = { [SLOT_COUNT_ENV]: String(options.slotCount) };
  await Promise.all(
    Object.values(tables).map(async (def) => {
      env[def.envVar] = await ensureTable(options.dynamo, tableName(options.prefix, def), def);
    }),
  );

  for (const [key, sourceDef] of [
    ['events', queues.events],
    ['deliveries', queues.deliveries],
  ] as const) {
    const dlqDef = key === 'events' ? queues.eventsDlq : queues.deliveriesDlq;
    const dlqUrl = await ensureQueue(options.sqs, queueName(options.prefix, dlqDef), dlqDef);
    env[dlqDef.envVar] = dlqUrl;
    env[sourceDef.envVar] = await ensureQueue(options.sqs, queueName(options.prefix, sourceDef), sourceDef, dlqUrl);
  }

  const slotUrls = await Promise.all(
    Array.from({ length: options.slotCount }, async (_, slot) => {
      const dlqUrl = await ensureQueue(options.sqs, slotQueueName(options.prefix, slot, true), queues.commandsDlq);
      const url = await ensureQueue(options.sqs, slotQueueName(options.prefix, slot), queues.commands, dlqUrl);
      return { url, dlqUrl };
    }),
  );
  const first = slotUrls[0];
  if (!first) throw new Error('slotCount must be at least 1');
  env[queues.commands.envVar] = first.url.replace(/commands-0\.fifo$/, `commands-${SLOT_PLACEHOLDER}.fifo`);
  env[queues.commandsDlq.envVar] = first.dlqUrl.replace(/commands-0-dlq\.fifo$/, `commands-${SLOT_PLACEHOLDER}-dlq.fifo`);

  for (const def of Object.values(buckets)) {
    const name = bucketName(options.prefix, def);
    await options.s3.send(new CreateBucketCommand({ Bucket: name })).catch((error: { name?: string }) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    });
    env[def.envVar] = name;
  }
  return env;
}

async function ensureTable(dynamo: DynamoDBClient, name: string, def: TableDefinition): Promise<string> {
  const attributes = new Map<string, AttributeDefinition>();
  const add = (attribute: string | undefined) => {
    if (attribute) attributes.set(attribute, { AttributeName: attribute, AttributeType: 'S' });
  };
  add(def.partitionKey);
  add(def.sortKey);
  const indexes: GlobalSecondaryIndex[] = def.indexes.map((index) => {
    add(index.partitionKey);
    add(index.sortKey);
    return {
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
      ],
      Projection: projection(index),
    };
  });
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes.values()],
        KeySchema: [
          { AttributeName: def.partitionKey, KeyType: 'HASH' },
          ...(def.sortKey ? [{ AttributeName: def.sortKey, KeyType: 'RANGE' as const }] : []),
        ],
        GlobalSecondaryIndexes: indexes.length ? indexes : undefined,
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }
  // dynalite creates synchronously with createTableMs 0; wait anyway so a slow start cannot race a write.
  for (let i = 0; i < 50; i++) {
    const out = await dynamo.send(new DescribeTableCommand({ TableName: name }));
    if (out.Table?.TableStatus === 'ACTIVE') return name;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`table ${name} did not become active`);
}

/** The definition's projection as CreateTable takes it (dynalite honours KEYS_ONLY and INCLUDE). */
function projection(index: IndexDefinition): Projection {
  const projection = projectionOf(index);
  return projection.type === 'INCLUDE'
    ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection.attributes] }
    : { ProjectionType: projection.type };
}

async function ensureQueue(sqs: SQSClient, name: string, def: QueueDefinition, dlqUrl?: string): Promise<string> {
  const attributes: Record<string, string> = {
    VisibilityTimeout: String(def.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(def.retentionSeconds),
  };
  if (def.fifo) attributes.FifoQueue = 'true';
  if (dlqUrl && def.maxReceiveCount > 0) {
    const arn = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
    attributes.RedrivePolicy = JSON.stringify({
      deadLetterTargetArn: arn.Attributes?.QueueArn,
      maxReceiveCount: def.maxReceiveCount,
    });
  }
  const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (!out.QueueUrl) throw new Error(`queue ${name} has no URL`);
  return out.QueueUrl;
}
