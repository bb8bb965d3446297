/**
 * The asynchronous functions: webhook delivery (events queue consumer and the delayed-retry consumer, D7)
 * and the campaign scheduler ticked by EventBridge every minute (D8).
 *
 * Both SQS consumers report partial batch failures, so one bad record is retried alone; their concurrency is
 * capped so a burst of events cannot hammer tenants' endpoints or starve the account's Lambda concurrency.
 * A scheduler tick that fails is not retried: ticks are idempotent and the next one comes within a minute.
 */
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { metricServices } from '../../core/metric-names.ts';
import type { Settings } from '../settings.ts';
import { WaFunction } from '../constructs/wa-function.ts';
import type { FleetResources } from './stateful-stack.ts';

export interface WorkersStackProps extends StackProps {
  readonly settings: Settings;
  readonly resources: FleetResources;
  readonly projectRoot: string;
}

export class WorkersStack extends Stack {
  readonly webhooksFunction: WaFunction;
  readonly webhookRetryFunction: WaFunction;
  readonly schedulerFunction: WaFunction;
  readonly schedulerRule: events.Rule;

  constructor(scope: Construct, id: string, props: WorkersStackProps) {
    super(scope, id, props);
    const { settings, resources, projectRoot } = props;
    const common = { settings, resources, projectRoot };
    // Below the queues' 60 s visibility timeout: a record is never redelivered while still being worked on.
    const deliveryTimeout = Duration.seconds(30);

    this.webhooksFunction = new WaFunction(this, 'WebhooksFunction', {
      ...common,
      entry: 'lambdas/webhooks/handler.ts',
      service: metricServices.webhooks,
      description: 'Events queue -> signed webhook deliveries (and inbound opt-outs into the suppression list)',
      timeout: deliveryTimeout,
    })
      .useTable('tenants', 'readWrite')
      .useTable('deliveries', 'readWrite')
      .useQueue('deliveries', 'send')
      .useDeadLetterQueue('deliveries', 'send');
    this.webhooksFunction.addEventSource(this.consumerOf(resources.queues.queue('events'), settings));

    this.webhookRetryFunction = new WaFunction(this, 'WebhookRetryFunction', {
      ...common,
      entry: 'lambdas/webhooks/retry.handler.ts',
      service: metricServices.webhooks, // same service: one set of delivery metrics for both consumers
      description: 'Webhook-deliveries queue -> delayed delivery retries',
      timeout: deliveryTimeout,
    })
      .useTable('tenants', 'read')
      .useTable('deliveries', 'readWrite')
      .useQueue('deliveries', 'send')
      .useDeadLetterQueue('deliveries', 'send');
    this.webhookRetryFunction.addEventSource(this.consumerOf(resources.queues.queue('deliveries'), settings));

    this.schedulerFunction = new WaFunction(this, 'SchedulerFunction', {
      ...common,
      entry: 'lambdas/scheduler/handler.ts',
      service: metricServices.scheduler,
      description: 'Every minute: advance due campaigns by one paced batch of commands',
      timeout: Duration.seconds(55), // finishes before the next tick
    })
      .useTable('campaigns', 'readWrite')
      .useTable('commands', 'readWrite')
      .useTable('sessions', 'read')
      .useTable('tenants', 'read')
      .useSlotQueues('send')
      .useQueue('events', 'send');
    this.schedulerFunction.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.seconds(60) });

    this.schedulerRule = new events.Rule(this, 'SchedulerTick', {
      description: 'Ticks the campaign scheduler',
      schedule: events.Schedule.rate(Duration.minutes(1)),
      targets: [new targets.LambdaFunction(this.schedulerFunction, { retryAttempts: 0, maxEventAge: Duration.seconds(60) })],
    });
  }

  private consumerOf(queue: sqs.IQueue, settings: Settings): SqsEventSource {
    return new SqsEventSource(queue, {
      batchSize: 10,
      reportBatchItemFailures: true,
      maxConcurrency: settings.webhookConcurrency,
    });
  }
}
