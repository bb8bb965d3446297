/**
 * The one Lambda construct of wa-fleet, with the house defaults: Node 22 on arm64, bundled by the local
 * esbuild (no Docker) as lambda-bundling.ts defines (minified ESM with source maps, the AWS SDK bundled in,
 * rarely used modules split into lazily loaded chunks), its own log group with retention, Powertools
 * configured from the environment, and a role that starts with nothing but writing to that log group.
 * Access to tables, queues and buckets is added with `useTable`/`useQueue`/`useSlotQueues`/`useBucket`,
 * which grant and set the environment variable in one call.
 */
import { AssetHashType, DockerImage, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeFindings } from '../nag.ts';
import { METRICS_NAMESPACE } from '../../core/metric-names.ts';
import type { TableName } from '../../core/resources.ts';
import { LAMBDA_NODE_OPTIONS, bundleLambdaSync } from '../lambda-bundling.ts';
import type { Settings } from '../settings.ts';
import type { BucketName, FleetResources } from '../stacks/stateful-stack.ts';
import type { SingleQueueName } from './fleet-queues.ts';
import { ResourceAccess, type BucketAccess, type QueueAccess, type TableAccess } from './resource-access.ts';

export interface WaFunctionProps {
  /** Handler file relative to the project root; it exports `handler`. */
  readonly entry: string;
  /** POWERTOOLS_SERVICE_NAME: the `service` key of its logs and the dimension of its metrics. */
  readonly service: string;
  readonly description: string;
  readonly settings: Settings;
  readonly resources: FleetResources;
  /** Repository root holding node_modules and tsconfig.json. */
  readonly projectRoot: string;
  readonly memorySize?: number;
  readonly timeout?: Duration;
  readonly environment?: Record<string, string>;
}

export class WaFunction extends lambda.Function {
  private readonly access: ResourceAccess;

  constructor(scope: Construct, id: string, props: WaFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // An explicit role instead of AWSLambdaBasicExecutionRole: it may write to its own log group only.
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.service}: ${props.description}`.slice(0, 1000),
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }),
    );

    super(scope, id, {
      code: lambda.Code.fromAsset(props.projectRoot, {
        // Hashed from the bundle itself, as NodejsFunction does: a change anywhere in the repository that
        // does not reach the function does not redeploy it.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          // Never pulled: local bundling always succeeds or throws (esbuild is a dependency of the project).
          image: DockerImage.fromRegistry('dummy'),
          // Never run either, but part of CDK's asset cache key, which ignores the `local` function: without
          // the entry in it, every function of the app would be staged with the first one's bundle.
          command: ['bundle', props.entry],
          local: {
            tryBundle: (outputDir) => {
              bundleLambdaSync(props.projectRoot, props.entry, outputDir);
              return true;
            },
          },
        },
      }),
      handler: 'index.handler', // LAMBDA_BUNDLE.entryFile
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      description: props.description,
      role,
      logGroup,
      tracing: props.settings.tracing ? lambda.Tracing.ACTIVE : lambda.Tracing.DISABLED,
      environment: {
        NODE_OPTIONS: LAMBDA_NODE_OPTIONS,
        POWERTOOLS_SERVICE_NAME: props.service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.settings.logLevel,
        LOG_LEVEL: props.settings.logLevel,
        ...props.environment,
      },
    });
    this.access = new ResourceAccess(
      { grantee: this, policyScope: role, setEnvironment: (name, value) => this.addEnvironment(name, value) },
      props.resources,
    );
    if (props.settings.tracing) {
      acknowledgeFindings(role, 'AwsSolutions-IAM5', [
        { finding: /^Resource::\*$/, reason: 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.' },
      ]);
    }
    acknowledge(
      this,
      'AwsSolutions-L1',
      'Node.js 22 is the house runtime, shared with the runner image (node:22) and the local stack; runtime upgrades move all of them together.',
    );
  }

  useTable(name: TableName, access: TableAccess): this {
    this.access.table(name, access);
    return this;
  }

  useQueue(name: SingleQueueName, access: QueueAccess): this {
    this.access.queue(name, access);
    return this;
  }

  useDeadLetterQueue(name: SingleQueueName, access: QueueAccess): this {
    this.access.deadLetterQueue(name, access);
    return this;
  }

  useSlotQueues(access: QueueAccess): this {
    this.access.slotQueues(access);
    return this;
  }

  useBucket(name: BucketName, access: BucketAccess): this {
    this.access.bucket(name, access);
    return this;
  }
}
