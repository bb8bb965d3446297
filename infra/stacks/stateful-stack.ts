/**
 * The stateful stack: everything that holds data and must outlive a redeploy of the code around it. Tables,
 * queues and buckets are built by iterating core/resources.ts (the same definitions `npm start` provisions
 * locally), so a name, key, index or TTL attribute cannot drift between AWS and the emulators (D1).
 *
 * Two customer-managed KMS keys split the blast radius: the credentials key encrypts only what the
 * definitions mark `sensitive` (Baileys auth state and its S3 backups) and only the runner's task role is
 * granted it; the data key encrypts everything else. Tables and keys are retained and deletion-protected:
 * losing the auth table means every WhatsApp session has to be paired again by hand.
 */
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';
import { buckets, projectionOf, tables, type BucketDefinition, type TableName } from '../../core/resources.ts';
import type { Settings } from '../settings.ts';
import { FleetQueues } from '../constructs/fleet-queues.ts';
import { pascal } from '../construct-id.ts';

export type BucketName = keyof typeof buckets;

/** What the stateless stacks consume: the concrete resources behind each definition. */
export interface FleetResources {
  readonly tables: Readonly<Record<TableName, dynamodb.ITable>>;
  readonly queues: FleetQueues;
  readonly buckets: Readonly<Record<BucketName, s3.IBucket>>;
  readonly dataKey: kms.IKey;
  readonly credentialsKey: kms.IKey;
}

export interface StatefulStackProps extends StackProps {
  readonly settings: Settings;
}

export class StatefulStack extends Stack {
  readonly resources: FleetResources;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { settings } = props;

    const dataKey = this.key('DataKey', `alias/${settings.name}/data`, 'wa-fleet tables, imports bucket');
    const credentialsKey = this.key(
      'CredentialsKey',
      `alias/${settings.name}/credentials`,
      'wa-fleet WhatsApp credentials (auth table and backups); only runners may use it',
    );

    const fleetTables = Object.fromEntries(
      Object.entries(tables).map(([name, def]) => {
        const table = new dynamodb.Table(this, `${pascal(def.id)}Table`, {
          partitionKey: { name: def.partitionKey, type: dynamodb.AttributeType.STRING },
          sortKey: 'sortKey' in def ? { name: def.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
          billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
          encryptionKey: 'sensitive' in def && def.sensitive ? credentialsKey : dataKey,
          timeToLiveAttribute: 'ttlAttribute' in def ? def.ttlAttribute : undefined,
          deletionProtection: true,
          removalPolicy: RemovalPolicy.RETAIN,
        });
        for (const index of def.indexes) {
          const projection = projectionOf(index);
          table.addGlobalSecondaryIndex({
            indexName: index.name,
            partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
            sortKey: index.sortKey ? { name: index.sortKey, type: dynamodb.AttributeType.STRING } : undefined,
            projectionType: dynamodb.ProjectionType[projection.type],
            nonKeyAttributes: projection.type === 'INCLUDE' ? [...projection.attributes] : undefined,
          });
        }
        return [name, table];
      }),
    ) as Record<TableName, dynamodb.Table>;

    const queues = new FleetQueues(this, 'Queues', { name: settings.name, slotCount: settings.slotCount });

    const accessLogs = new s3.Bucket(this, 'AccessLogsBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED, // server access log delivery supports SSE-S3 only
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(settings.accessLogRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(accessLogs, 'AwsSolutions-S1', 'This is the server access log target of the other buckets; logging it into itself would loop.');

    const bucketPolicies = bucketPoliciesFor(settings);
    const fleetBuckets = Object.fromEntries(
      Object.entries(buckets).map(([name, def]) => {
        const policy = bucketPolicies[name as BucketName];
        const bucket = new s3.Bucket(this, `${pascal(def.id)}Bucket`, {
          encryption: s3.BucketEncryption.KMS,
          encryptionKey: isSensitive(def) ? credentialsKey : dataKey,
          bucketKeyEnabled: true,
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
          enforceSSL: true,
          serverAccessLogsBucket: accessLogs,
          serverAccessLogsPrefix: `${def.id}/`,
          versioned: policy.versioned,
          lifecycleRules: policy.lifecycleRules,
          cors: policy.cors,
          removalPolicy: RemovalPolicy.RETAIN,
        });
        return [name, bucket];
      }),
    ) as Record<BucketName, s3.Bucket>;

    this.resources = { tables: fleetTables, queues, buckets: fleetBuckets, dataKey, credentialsKey };
  }

  private key(id: string, alias: string, description: string): kms.Key {
    return new kms.Key(this, id, {
      alias,
      description,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}

interface BucketPolicy {
  readonly versioned: boolean;
  readonly lifecycleRules: s3.LifecycleRule[];
  readonly cors?: s3.CorsRule[];
}

/**
 * Per-bucket retention and access, keyed by definition: adding a bucket to core/resources.ts does not compile
 * until it gets a policy here.
 */
function bucketPoliciesFor(settings: Settings): Record<BucketName, BucketPolicy> {
  const abortUploads: s3.LifecycleRule = { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) };
  return {
    credentials: {
      // Backups are immutable keys (sessions/{id}/e{epoch}/s{seq}); versioning additionally keeps an
      // overwritten or deleted backup recoverable for a while.
      versioned: true,
      lifecycleRules: [
        abortUploads,
        {
          id: 'expire-old-backups',
          expiration: Duration.days(settings.credentialBackupRetentionDays),
          noncurrentVersionExpiration: Duration.days(settings.credentialNoncurrentDays),
        },
        { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
    },
    imports: {
      versioned: false,
      lifecycleRules: [abortUploads, { id: 'expire-imports', expiration: Duration.days(settings.importRetentionDays) }],
      cors: settings.importCorsOrigins.length
        ? [
            {
              allowedMethods: [s3.HttpMethods.PUT],
              allowedOrigins: settings.importCorsOrigins,
              allowedHeaders: ['content-type', 'content-length', 'content-md5', 'x-amz-*'],
              maxAge: 3600,
            },
          ]
        : undefined,
    },
  };
}

function isSensitive(def: BucketDefinition): boolean {
  return def.sensitive === true;
}
