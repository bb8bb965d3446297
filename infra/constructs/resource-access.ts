/**
 * Grant-and-wire in one call: giving a workload (a Lambda function or the runner task) access to a table,
 * queue or bucket both grants the least IAM that access needs and sets the environment variable the code
 * reads (the definition's `envVar` from core/resources.ts). A workload is never told the name of something
 * it may not touch, and never granted something it is not told about.
 *
 * The wildcards the CDK grant helpers emit are suppressed for cdk-nag here, next to the grants, each scoped
 * to the exact pattern and with the reason it is acceptable.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { acknowledgeFindings } from '../nag.ts';
import { SLOT_COUNT_ENV } from '../../core/resource-config.ts';
import { buckets, deadLetterOf, queues, tables, type TableName } from '../../core/resources.ts';
import type { SingleQueueName } from './fleet-queues.ts';
import type { BucketName, FleetResources } from '../stacks/stateful-stack.ts';

export type TableAccess = 'read' | 'write' | 'readWrite';
export type QueueAccess = 'send' | 'consume' | 'sendConsume';
export type BucketAccess = 'read' | 'write' | 'readWrite';

/** Something that runs our code: it has a principal to grant to and an environment to fill. */
export interface ResourceUser {
  readonly grantee: iam.IGrantable;
  /** The construct holding the principal's policies (for cdk-nag suppressions). */
  readonly policyScope: IConstruct;
  setEnvironment(name: string, value: string): void;
}

const SEND_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
const CONSUME_ACTIONS = ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];

export class ResourceAccess {
  constructor(
    private readonly user: ResourceUser,
    private readonly resources: FleetResources,
  ) {}

  table(name: TableName, access: TableAccess): this {
    const table = this.resources.tables[name];
    if (access === 'read') table.grantReadData(this.user.grantee);
    else if (access === 'write') table.grantWriteData(this.user.grantee);
    else table.grantReadWriteData(this.user.grantee);
    this.user.setEnvironment(tables[name].envVar, table.tableName);
    this.suppress(/^Resource::.*Table.*\/index\/\*$/, 'Grants on a table cover its GSIs (`table/index/*`): queries need every index the definition declares, and no other table is reachable.');
    this.suppressKmsWildcards();
    return this;
  }

  /** The events or webhook-deliveries queue. */
  queue(name: SingleQueueName, access: QueueAccess): this {
    const queue = this.resources.queues.queue(name);
    if (access !== 'consume') queue.grantSendMessages(this.user.grantee);
    if (access !== 'send') queue.grantConsumeMessages(this.user.grantee);
    this.user.setEnvironment(queues[name].envVar, queue.queueUrl);
    return this;
  }

  /** The dead-letter queue of the events or webhook-deliveries queue (e.g. parking exhausted deliveries). */
  deadLetterQueue(name: SingleQueueName, access: QueueAccess): this {
    const queue = this.resources.queues.deadLetterQueue(name);
    if (access !== 'consume') queue.grantSendMessages(this.user.grantee);
    if (access !== 'send') queue.grantConsumeMessages(this.user.grantee);
    this.user.setEnvironment(queues[deadLetterOf[name]].envVar, queue.queueUrl);
    return this;
  }

  /**
   * Every slot's command queue, through a name pattern rather than S queue ARNs (S may be hundreds and the
   * role policy size is bounded), with an explicit deny on the slot dead-letter queues the pattern would
   * otherwise include. Sets COMMANDS_QUEUE_URL_TEMPLATE and SLOT_COUNT.
   */
  slotQueues(access: QueueAccess): this {
    const fleetQueues = this.resources.queues;
    const stack = Stack.of(this.user.policyScope);
    const arn = (name: string) => stack.formatArn({ service: 'sqs', resource: name, arnFormat: ArnFormat.NO_RESOURCE_NAME });
    const actions = [...new Set([...(access !== 'consume' ? SEND_ACTIONS : []), ...(access !== 'send' ? CONSUME_ACTIONS : [])])];
    const principal = this.user.grantee.grantPrincipal;
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'SlotCommandQueues', actions, resources: [arn(fleetQueues.slotQueueNamePattern(false))] }),
    );
    principal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NotSlotDeadLetterQueues',
        effect: iam.Effect.DENY,
        actions,
        resources: [arn(fleetQueues.slotQueueNamePattern(true))],
      }),
    );
    this.user.setEnvironment(queues.commands.envVar, fleetQueues.slotQueueUrlTemplate);
    this.user.setEnvironment(SLOT_COUNT_ENV, String(fleetQueues.slotCount));
    this.suppress(
      /^Resource::arn:<AWS::Partition>:sqs:<AWS::Region>:<AWS::AccountId>:[a-z0-9-]+-commands-\*$/,
      'Slot command queues are addressed by the name pattern `{name}-commands-*` (one queue per slot, S of them); the slot DLQs matching it are explicitly denied.',
    );
    return this;
  }

  bucket(name: BucketName, access: BucketAccess): this {
    const bucket = this.resources.buckets[name];
    if (access === 'read') bucket.grantRead(this.user.grantee);
    else if (access === 'write') bucket.grantWrite(this.user.grantee);
    else bucket.grantReadWrite(this.user.grantee);
    this.user.setEnvironment(buckets[name].envVar, bucket.bucketName);
    const objects = 'Object-level grants on one bucket: `bucket/*` with the CDK grant action groups (s3:GetObject*, s3:GetBucket*, s3:List*, s3:DeleteObject*, s3:Abort*); keys are per tenant and session inside it.';
    this.suppress(/^Resource::.*Bucket.*\/\*$/, objects);
    this.suppress(/^Action::s3:(GetObject|GetBucket|List|DeleteObject|Abort)\*$/, objects);
    this.suppressKmsWildcards();
    return this;
  }

  private suppressKmsWildcards(): void {
    this.suppress(
      /^Action::kms:(GenerateDataKey|ReEncrypt)\*$/,
      'KMS data-key actions (kms:GenerateDataKey*, kms:ReEncrypt*) emitted by the table/bucket grants, on the one customer-managed key of that resource.',
    );
  }

  /** Acknowledges the IAM5 wildcard findings a grant above produces, by pattern, on the user's policies. */
  private suppress(finding: RegExp, reason: string): void {
    acknowledgeFindings(this.user.policyScope, 'AwsSolutions-IAM5', [{ finding, reason }]);
  }
}
