/**
 * The fleet's alarms (D9), each one a question an operator must act on: are enough runners up, are sessions
 * stuck disconnected, are commands waiting too long, is anything dead-lettered, are webhooks failing, are
 * functions erroring, is the API failing, are runners running out of memory. Every alarm notifies the topic
 * when it fires and when it recovers.
 *
 * Per-slot signals (S command queues and DLQs) are folded into math-expression alarms of at most 10 queues
 * each (CloudWatch's limit per alarm), so S = 100 costs 20 alarms, not 200.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_DIMENSION, metricServices, runnerMetrics, webhookMetrics } from '../../core/metric-names.ts';
import type { Settings } from '../settings.ts';
import type { FleetQueues } from './fleet-queues.ts';

export interface FleetAlarmsProps {
  readonly settings: Settings;
  readonly topic: sns.ITopic;
  readonly queues: FleetQueues;
  readonly cluster: ecs.ICluster;
  readonly service: ecs.IBaseService;
  readonly api: apigw.RestApi;
  /** Every function of the fleet, by a readable name. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
}

/** CloudWatch allows at most 10 metrics in one alarm's math expression. */
const METRICS_PER_ALARM = 10;
const ONE_MINUTE = Duration.minutes(1);
const FIVE_MINUTES = Duration.minutes(5);

export class FleetAlarms extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly topic: sns.ITopic;

  constructor(scope: Construct, id: string, props: FleetAlarmsProps) {
    super(scope, id);
    const { settings, queues } = props;
    this.topic = props.topic;

    this.add('RunnersBelowDesired', {
      alarmDescription: 'Fewer runner tasks running than desired for 5 minutes: sessions may be unowned (placement, image, or capacity problem).',
      metric: runnersBelowDesired(props.cluster, props.service),
      threshold: 1,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.MISSING,
    });

    this.add('SessionsStuckDisconnected', {
      alarmDescription: 'Runners report sessions that should be connected but have not been open for over 5 minutes (reconnect loops, parked circuit breakers).',
      metric: runnerMetric(runnerMetrics.sessionsStuckDisconnected, cloudwatch.Stats.MAXIMUM),
      threshold: settings.alarmStuckSessions,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    chunk(queues.slotQueues, METRICS_PER_ALARM).forEach((group, index) => {
      this.add(`CommandAge${index}`, {
        alarmDescription: `The oldest command in slot queues ${slotRange(index, group.length)} waited over ${settings.alarmCommandAgeSeconds} s: a runner is not draining its slot.`,
        metric: combined(group, (queue) => queue.metricApproximateAgeOfOldestMessage({ period: ONE_MINUTE, statistic: cloudwatch.Stats.MAXIMUM }), 'MAX'),
        threshold: settings.alarmCommandAgeSeconds,
        evaluationPeriods: 3,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    });

    const deadLetterAlarm = (name: string, group: readonly sqs.IQueue[], threshold: number, description: string) =>
      this.add(name, {
        alarmDescription: description,
        metric: combined(group, (queue) => queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.MAXIMUM }), 'SUM'),
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    deadLetterAlarm('EventsDeadLetters', [queues.deadLetterQueue('events')], settings.alarmDeadLetters, 'Events the webhooks function could not process at all (malformed or poison): inspect, fix, redrive.');
    deadLetterAlarm(
      'DeliveryDeadLetters',
      [queues.deadLetterQueue('deliveries')],
      settings.alarmDeliveryDeadLetters,
      'Many webhook deliveries exhausted their retries: tenants\' endpoints are down or refusing; replayable from the delivery log.',
    );
    chunk(queues.slotDeadLetterQueues, METRICS_PER_ALARM).forEach((group, index) => {
      deadLetterAlarm(
        `CommandDeadLetters${index}`,
        group,
        settings.alarmDeadLetters,
        `Commands dead-lettered in slot DLQs ${slotRange(index, group.length)} after 5 receives: a poison command or a runner bug.`,
      );
    });

    this.add('WebhookFailureRate', {
      alarmDescription: `Over ${settings.alarmWebhookFailurePercent}% of webhook delivery attempts failed in 5 minutes (with at least 20 attempts).`,
      metric: webhookFailureRate(),
      threshold: settings.alarmWebhookFailurePercent,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}Errors`, {
        alarmDescription: `The ${name} function failed (uncaught error or timeout).`,
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        threshold: settings.alarmLambdaErrors,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    this.add('Api5xx', {
      alarmDescription: 'The REST API answered with 5xx responses.',
      metric: props.api.metricServerError({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
      threshold: settings.alarmApi5xx,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.add('RunnerMemoryHigh', {
      alarmDescription: `Runner memory above ${settings.alarmRunnerMemoryPercent}% for 5 minutes: lower sessionsPerRunnerTarget or raise runnerMemoryMiB before tasks are OOM-killed.`,
      metric: new cloudwatch.Metric({
        namespace: 'AWS/ECS',
        metricName: 'MemoryUtilization',
        dimensionsMap: { ClusterName: props.cluster.clusterName, ServiceName: props.service.serviceName },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: ONE_MINUTE,
      }),
      threshold: settings.alarmRunnerMemoryPercent,
      evaluationPeriods: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  private add(id: string, props: Omit<cloudwatch.AlarmProps, 'datapointsToAlarm'>): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, { ...props, datapointsToAlarm: props.evaluationPeriods });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }
}

export function runnerMetric(metricName: string, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: metricServices.runner },
    statistic,
    period: ONE_MINUTE,
  });
}

export function webhookMetric(metricName: string): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: metricServices.webhooks },
    statistic: cloudwatch.Stats.SUM,
    period: FIVE_MINUTES,
  });
}

/** Failed attempts in percent of all attempts, 0 below 20 attempts (a handful of failures is not a rate). */
export function webhookFailureRate(): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'IF((ok + failed) >= 20, 100 * failed / (ok + failed), 0)',
    usingMetrics: {
      ok: new cloudwatch.MathExpression({ expression: 'FILL(okRaw, 0)', usingMetrics: { okRaw: webhookMetric(webhookMetrics.deliverySucceeded) } }),
      failed: new cloudwatch.MathExpression({ expression: 'FILL(failedRaw, 0)', usingMetrics: { failedRaw: webhookMetric(webhookMetrics.deliveryFailed) } }),
    },
    label: 'Webhook failure rate (%)',
    period: FIVE_MINUTES,
  });
}

/** Desired minus running runner tasks (Container Insights). */
export function runnersBelowDesired(cluster: ecs.ICluster, service: ecs.IBaseService): cloudwatch.MathExpression {
  const metric = (metricName: string) =>
    new cloudwatch.Metric({
      namespace: 'ECS/ContainerInsights',
      metricName,
      dimensionsMap: { ClusterName: cluster.clusterName, ServiceName: service.serviceName },
      statistic: cloudwatch.Stats.AVERAGE,
      period: ONE_MINUTE,
    });
  return new cloudwatch.MathExpression({
    expression: 'desired - running',
    usingMetrics: { desired: metric('DesiredTaskCount'), running: metric('RunningTaskCount') },
    label: 'Runner tasks missing',
    period: ONE_MINUTE,
  });
}

/** One metric, or one math expression folding several with MAX or SUM at each timestamp. */
function combined<T>(items: readonly T[], toMetric: (item: T) => cloudwatch.IMetric, fn: 'MAX' | 'SUM'): cloudwatch.IMetric {
  if (items.length === 1) return toMetric(items[0]!);
  const usingMetrics = Object.fromEntries(items.map((item, index) => [`q${index}`, toMetric(item)]));
  return new cloudwatch.MathExpression({
    expression: `${fn}([${Object.keys(usingMetrics).join(', ')}])`,
    usingMetrics,
    period: (Object.values(usingMetrics)[0] as cloudwatch.Metric).period,
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

function slotRange(groupIndex: number, length: number): string {
  const first = groupIndex * METRICS_PER_ALARM;
  return `${first}-${first + length - 1}`;
}
