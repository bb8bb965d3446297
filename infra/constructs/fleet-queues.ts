/**
 * Every SQS queue of the fleet, built from core/resources.ts by walking `deadLetterOf`: each source queue
 * gets its dead-letter queue with the definition's maxReceiveCount; the command queue becomes one FIFO queue
 * per slot (`commands-{k}.fifo`, D3) with its own FIFO DLQ.
 *
 * Queue names are physical and predictable (`{name}-commands-{k}.fifo`) because code addresses slot k's
 * queue through a URL template carrying `{slot}` (COMMANDS_QUEUE_URL_TEMPLATE), exactly as in local mode.
 * Encryption is SQS-managed SSE: no key policy to keep in step with every producer and consumer, and no KMS
 * request charges on the hot path. Every queue refuses non-TLS requests.
 */
import { Duration, Fn, RemovalPolicy } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  SLOT_PLACEHOLDER,
  deadLetterOf,
  queueName,
  queues,
  slotQueueName,
  type QueueDefinition,
} from '../../core/resources.ts';
import { pascal } from '../construct-id.ts';

/** Queues addressed by a single URL (everything except the per-slot command queues). */
export type SingleQueueName = Exclude<keyof typeof deadLetterOf, 'commands'>;

export interface FleetQueuesProps {
  /** Deployment name; physical queue names start with `{name}-`. */
  readonly name: string;
  readonly slotCount: number;
}

export class FleetQueues extends Construct {
  /** Physical name prefix, as in core/resources.ts `queueName(prefix, def)`. */
  readonly prefix: string;
  readonly slotCount: number;
  /** Slot k's command queue at index k. */
  readonly slotQueues: readonly sqs.Queue[];
  /** Slot k's dead-letter queue at index k. */
  readonly slotDeadLetterQueues: readonly sqs.Queue[];
  /** COMMANDS_QUEUE_URL_TEMPLATE: slot 0's real URL with its name turned into the `{slot}` template. */
  readonly slotQueueUrlTemplate: string;
  private readonly singles: Record<SingleQueueName, { queue: sqs.Queue; deadLetterQueue: sqs.Queue }>;

  constructor(scope: Construct, id: string, props: FleetQueuesProps) {
    super(scope, id);
    this.prefix = `${props.name}-`;
    this.slotCount = props.slotCount;

    const slotQueues: sqs.Queue[] = [];
    const slotDeadLetterQueues: sqs.Queue[] = [];
    const singles = {} as Record<SingleQueueName, { queue: sqs.Queue; deadLetterQueue: sqs.Queue }>;

    for (const [source, dlq] of Object.entries(deadLetterOf) as [keyof typeof deadLetterOf, keyof typeof queues][]) {
      const sourceDef = queues[source];
      const dlqDef = queues[dlq];
      if (source === 'commands') {
        for (let slot = 0; slot < props.slotCount; slot++) {
          const deadLetterQueue = this.createQueue(`Slot${slot}DeadLetterQueue`, slotQueueName(this.prefix, slot, true), dlqDef);
          slotDeadLetterQueues.push(deadLetterQueue);
          slotQueues.push(this.createQueue(`Slot${slot}Queue`, slotQueueName(this.prefix, slot), sourceDef, deadLetterQueue));
        }
      } else {
        const deadLetterQueue = this.createQueue(`${pascal(sourceDef.id)}DeadLetterQueue`, queueName(this.prefix, dlqDef), dlqDef);
        singles[source] = { queue: this.createQueue(`${pascal(sourceDef.id)}Queue`, queueName(this.prefix, sourceDef), sourceDef, deadLetterQueue), deadLetterQueue };
      }
    }

    this.slotQueues = slotQueues;
    this.slotDeadLetterQueues = slotDeadLetterQueues;
    this.singles = singles;
    const slot0 = slotQueueName(this.prefix, 0);
    const firstUrl = slotQueues[0]?.queueUrl;
    if (!firstUrl) throw new Error('slotCount must be at least 1');
    this.slotQueueUrlTemplate = Fn.join('', [Fn.select(0, Fn.split(slot0, firstUrl)), slotQueueNameTemplate(this.prefix)]);
  }

  /** The events or webhook-deliveries queue. */
  queue(name: SingleQueueName): sqs.Queue {
    return this.singles[name].queue;
  }

  private createQueue(id: string, physicalName: string, def: QueueDefinition, deadLetterQueue?: sqs.Queue): sqs.Queue {
    return new sqs.Queue(this, id, {
      queueName: physicalName,
      fifo: def.fifo || undefined,
      visibilityTimeout: Duration.seconds(def.visibilityTimeoutSeconds),
      retentionPeriod: Duration.seconds(def.retentionSeconds),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: deadLetterQueue && def.maxReceiveCount > 0 ? { queue: deadLetterQueue, maxReceiveCount: def.maxReceiveCount } : undefined,
      // DynamoDB is the truth (D2): a lost command queue is re-driven from the commands table.
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }

  deadLetterQueue(name: SingleQueueName): sqs.Queue {
    return this.singles[name].deadLetterQueue;
  }

  /** Every dead-letter queue, for alarms. */
  allDeadLetterQueues(): sqs.Queue[] {
    return [...Object.values(this.singles).map((entry) => entry.deadLetterQueue), ...this.slotDeadLetterQueues];
  }

  /** Physical-name pattern of the slot queues and of their DLQs, for IAM resource patterns. */
  slotQueueNamePattern(dlq: boolean): string {
    return dlq ? slotQueueName(this.prefix, 0, true).replace('commands-0-', 'commands-*-') : `${this.prefix}commands-*`;
  }
}

/** `{prefix}commands-{slot}.fifo`, derived from core's naming so the template cannot drift from it. */
function slotQueueNameTemplate(prefix: string): string {
  return slotQueueName(prefix, 0).replace('commands-0.fifo', `commands-${SLOT_PLACEHOLDER}.fifo`);
}
