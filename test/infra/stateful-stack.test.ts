// The stateful stack is built from core/resources.ts: every table, queue and bucket definition appears with
// its keys, indexes (and their projections), TTL and dead-letter wiring, hardened (KMS, PITR, TLS-only, no public access, retained).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import {
  RUNNABLE_INDEX_ATTRIBUTES,
  buckets,
  deadLetterOf,
  projectionOf,
  queues,
  slotQueueName,
  tables,
  type IndexDefinition,
} from '../../core/resources.ts';
import { synthFleet, type SynthesizedFleet } from './support/synth-fleet.ts';

const SLOT_COUNT = 3; // not the default, so the slot queues provably follow the setting

let synthesized: SynthesizedFleet;
let stateful: Template;

beforeAll(() => {
  synthesized = synthFleet({ context: { slotCount: SLOT_COUNT, name: 'acme-fleet' } });
  stateful = synthesized.template(synthesized.fleet.stateful);
});
afterAll(() => synthesized.dispose());

/** The projection CloudFormation should get for an index definition. */
function cfnProjection(index: IndexDefinition): Record<string, unknown> {
  const projection = projectionOf(index);
  return projection.type === 'INCLUDE' ? { ProjectionType: 'INCLUDE', NonKeyAttributes: [...projection.attributes] } : { ProjectionType: projection.type };
}

const keyId = (key: 'dataKey' | 'credentialsKey') => ({ 'Fn::GetAtt': [synthesized.logicalId(synthesized.fleet.stateful.resources[key]), 'Arn'] });

describe('DynamoDB tables', () => {
  it('has exactly one table per definition', () => {
    stateful.resourceCountIs('AWS::DynamoDB::Table', Object.keys(tables).length);
  });

  it.each(Object.entries(tables))('%s matches its definition: keys, GSIs, TTL, on-demand, PITR, CMK, retained', (name, def) => {
    const table = synthesized.fleet.stateful.resources.tables[name as keyof typeof tables];
    const resource = stateful.findResources('AWS::DynamoDB::Table')[synthesized.logicalId(table)];
    expect(resource).toBeDefined();
    const props = resource!.Properties;

    expect(props.KeySchema).toEqual([
      { AttributeName: def.partitionKey, KeyType: 'HASH' },
      ...('sortKey' in def ? [{ AttributeName: def.sortKey, KeyType: 'RANGE' }] : []),
    ]);
    expect(props.GlobalSecondaryIndexes ?? []).toEqual(
      def.indexes.map((index) => ({
        IndexName: index.name,
        KeySchema: [
          { AttributeName: index.partitionKey, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' }] : []),
        ],
        Projection: cfnProjection(index),
      })),
    );
    expect(props.TimeToLiveSpecification).toEqual('ttlAttribute' in def ? { AttributeName: def.ttlAttribute, Enabled: true } : undefined);
    expect(props.BillingMode).toBe('PAY_PER_REQUEST');
    expect(props.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(props.DeletionProtectionEnabled).toBe(true);
    expect(props.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: keyId('sensitive' in def && def.sensitive ? 'credentialsKey' : 'dataKey'),
    });
    expect(resource!.DeletionPolicy).toBe('Retain');
    expect(resource!.UpdateReplacePolicy).toBe('Retain');
  });

  const indexOf = (table: keyof typeof tables) =>
    stateful.findResources('AWS::DynamoDB::Table')[synthesized.logicalId(synthesized.fleet.stateful.resources.tables[table])]!.Properties
      .GlobalSecondaryIndexes;

  it('projects keys only into the leases owner index, so a lease renewal never writes it', () => {
    expect(indexOf('leases')).toEqual([expect.objectContaining({ IndexName: 'gsi1', Projection: { ProjectionType: 'KEYS_ONLY' } })]);
  });

  it('projects into the runnable sessions index only what placement reads', () => {
    expect(indexOf('sessions')).toEqual([
      expect.objectContaining({
        IndexName: 'gsi1',
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['ownerRunnerId', 'epoch', 'deletedAt'] },
      }),
    ]);
    expect(RUNNABLE_INDEX_ATTRIBUTES).toEqual(['ownerRunnerId', 'epoch', 'deletedAt']);
  });

  it('keeps the WhatsApp credentials under their own key', () => {
    const auth = stateful.findResources('AWS::DynamoDB::Table')[synthesized.logicalId(synthesized.fleet.stateful.resources.tables.auth)];
    expect(auth!.Properties.SSESpecification.KMSMasterKeyId).toEqual(keyId('credentialsKey'));
    expect(auth!.Properties.SSESpecification.KMSMasterKeyId).not.toEqual(keyId('dataKey'));
  });
});

describe('KMS keys', () => {
  it('rotates both keys yearly and retains them', () => {
    stateful.resourceCountIs('AWS::KMS::Key', 2);
    for (const key of Object.values(stateful.findResources('AWS::KMS::Key'))) {
      expect(key.Properties.EnableKeyRotation).toBe(true);
      expect(key.DeletionPolicy).toBe('Retain');
    }
  });
});

describe('SQS queues', () => {
  const allQueues = () => Object.values(stateful.findResources('AWS::SQS::Queue'));
  const byName = (name: string) => allQueues().find((queue) => queue.Properties.QueueName === name);

  it('creates one FIFO command queue and one FIFO DLQ per slot, named as core/resources.ts names them', () => {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const queue = byName(slotQueueName('acme-fleet-', slot));
      const dlq = byName(slotQueueName('acme-fleet-', slot, true));
      expect(queue?.Properties).toMatchObject({
        FifoQueue: true,
        VisibilityTimeout: queues.commands.visibilityTimeoutSeconds,
        MessageRetentionPeriod: queues.commands.retentionSeconds,
      });
      expect(dlq?.Properties).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: queues.commandsDlq.retentionSeconds });
      expect(queue!.Properties.RedrivePolicy.maxReceiveCount).toBe(queues.commands.maxReceiveCount);
    }
    expect(byName(slotQueueName('acme-fleet-', SLOT_COUNT))).toBeUndefined();
  });

  it('redrives every source queue to its own DLQ with the definition maxReceiveCount', () => {
    const fleetQueues = synthesized.fleet.stateful.resources.queues;
    const pairs = [
      ...fleetQueues.slotQueues.map((queue, slot) => [queue, fleetQueues.slotDeadLetterQueues[slot]!, queues.commands.maxReceiveCount] as const),
      ...(['events', 'deliveries'] as const).map(
        (name) => [fleetQueues.queue(name), fleetQueues.deadLetterQueue(name), queues[name].maxReceiveCount] as const,
      ),
    ];
    expect(pairs).toHaveLength(SLOT_COUNT + Object.keys(deadLetterOf).length - 1);
    for (const [queue, dlq, maxReceiveCount] of pairs) {
      const resource = stateful.findResources('AWS::SQS::Queue')[synthesized.logicalId(queue)];
      expect(resource!.Properties.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [synthesized.logicalId(dlq), 'Arn'] },
        maxReceiveCount,
      });
    }
    expect(allQueues()).toHaveLength(2 * SLOT_COUNT + 4);
  });

  it('encrypts every queue at rest and refuses non-TLS access to each', () => {
    for (const queue of allQueues()) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    const policies = Object.values(stateful.findResources('AWS::SQS::QueuePolicy'));
    expect(policies).toHaveLength(allQueues().length);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });
});

describe('S3 buckets', () => {
  const bucketOf = (name: keyof typeof buckets) =>
    stateful.findResources('AWS::S3::Bucket')[synthesized.logicalId(synthesized.fleet.stateful.resources.buckets[name])]!;

  it.each(Object.keys(buckets) as (keyof typeof buckets)[])('%s: KMS, public access blocked, access-logged, retained, TLS only', (name) => {
    const bucket = bucketOf(name);
    expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0]).toMatchObject({
      ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyId('sensitive' in buckets[name] ? 'credentialsKey' : 'dataKey') },
      BucketKeyEnabled: true,
    });
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.LoggingConfiguration).toMatchObject({ LogFilePrefix: `${buckets[name].id}/` });
    expect(bucket.DeletionPolicy).toBe('Retain');
    stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: synthesized.logicalId(synthesized.fleet.stateful.resources.buckets[name]) },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('versions credential backups and expires superseded and old ones', () => {
    const bucket = bucketOf('credentials');
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ExpirationInDays: 180, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
        expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
      ]),
    );
  });

  it('expires campaign imports after a few days and allows no browser origin by default', () => {
    const bucket = bucketOf('imports');
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(expect.objectContaining({ ExpirationInDays: 3, Status: 'Enabled' }));
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.CorsConfiguration).toBeUndefined();
  });

  it('opens CORS for presigned PUTs only to the configured origins', () => {
    const withCors = synthFleet({ context: { importCorsOrigins: ['https://app.example.com'] } });
    try {
      const bucket = withCors.template(withCors.fleet.stateful).findResources('AWS::S3::Bucket')[
        withCors.logicalId(withCors.fleet.stateful.resources.buckets.imports)
      ];
      expect(bucket!.Properties.CorsConfiguration.CorsRules).toEqual([
        expect.objectContaining({ AllowedMethods: ['PUT'], AllowedOrigins: ['https://app.example.com'] }),
      ]);
    } finally {
      withCors.dispose();
    }
  });

  it('sends server access logs to a private, TLS-only log bucket that expires them', () => {
    const logBuckets = Object.values(stateful.findResources('AWS::S3::Bucket')).filter((bucket) => !bucket.Properties.LoggingConfiguration);
    expect(logBuckets).toHaveLength(1);
    expect(logBuckets[0]!.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 90 })] },
      PublicAccessBlockConfiguration: expect.objectContaining({ BlockPublicPolicy: true }),
    });
  });
});
