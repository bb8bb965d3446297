/**
 * One CloudWatch dashboard for the whole fleet, top to bottom in the order an on-call engineer asks:
 * runners and sessions, command flow, webhooks, the API, functions, and the alarms' current state.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { runnerMetrics, webhookMetrics } from '../../core/metric-names.ts';
import { runnerMetric, runnersBelowDesired, webhookFailureRate, webhookMetric } from './fleet-alarms.ts';
import type { FleetQueues } from './fleet-queues.ts';

export interface FleetDashboardProps {
  readonly dashboardName: string;
  readonly queues: FleetQueues;
  readonly cluster: ecs.ICluster;
  readonly service: ecs.IBaseService;
  readonly api: apigw.RestApi;
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  readonly alarms: readonly cloudwatch.IAlarm[];
}

const WIDTH_THIRD = 8;
const HEIGHT = 6;

export class FleetDashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: FleetDashboardProps) {
    super(scope, id);
    const { queues } = props;
    const ecsMetric = (namespace: string, metricName: string, statistic: string) =>
      new cloudwatch.Metric({
        namespace,
        metricName,
        dimensionsMap: { ClusterName: props.cluster.clusterName, ServiceName: props.service.serviceName },
        statistic,
        period: Duration.minutes(1),
      });
    const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
      new cloudwatch.GraphWidget({ title, left, right, width: WIDTH_THIRD, height: HEIGHT });
    const fns = Object.entries(props.functions);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName,
      defaultInterval: Duration.hours(3),
      widgets: [
        [
          graph('Runner tasks', [
            ecsMetric('ECS/ContainerInsights', 'RunningTaskCount', cloudwatch.Stats.AVERAGE).with({ label: 'running' }),
            ecsMetric('ECS/ContainerInsights', 'DesiredTaskCount', cloudwatch.Stats.AVERAGE).with({ label: 'desired' }),
            runnersBelowDesired(props.cluster, props.service),
          ]),
          graph(
            'Sessions per runner / stuck',
            [runnerMetric(runnerMetrics.sessionsPerRunner, cloudwatch.Stats.AVERAGE).with({ label: 'sessions per runner (avg)' })],
            [runnerMetric(runnerMetrics.sessionsStuckDisconnected, cloudwatch.Stats.MAXIMUM).with({ label: 'stuck disconnected (max)' })],
          ),
          graph('Runner CPU / memory (%)', [
            ecsMetric('AWS/ECS', 'CPUUtilization', cloudwatch.Stats.AVERAGE).with({ label: 'cpu' }),
            ecsMetric('AWS/ECS', 'MemoryUtilization', cloudwatch.Stats.MAXIMUM).with({ label: 'memory (max)' }),
          ]),
        ],
        [
          graph(
            'Slot queues: oldest command (s)',
            queues.slotQueues.slice(0, 10).map((queue, slot) =>
              queue.metricApproximateAgeOfOldestMessage({ statistic: cloudwatch.Stats.MAXIMUM, label: `slot ${slot}` }),
            ),
          ),
          graph(
            'Events / deliveries backlog',
            [queues.queue('events').metricApproximateNumberOfMessagesVisible({ label: 'events' }), queues.queue('deliveries').metricApproximateNumberOfMessagesVisible({ label: 'delivery retries' })],
          ),
          graph(
            'Dead letters',
            queues
              .allDeadLetterQueues()
              .slice(0, 12)
              .map((queue) => queue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM })),
          ),
        ],
        [
          graph(
            'Webhook attempts',
            [webhookMetric(webhookMetrics.deliverySucceeded).with({ label: 'succeeded' }), webhookMetric(webhookMetrics.deliveryFailed).with({ label: 'failed' })],
            [webhookFailureRate()],
          ),
          graph(
            'API requests / errors',
            [props.api.metricCount({ label: 'requests' })],
            [props.api.metricClientError({ label: '4xx' }), props.api.metricServerError({ label: '5xx' })],
          ),
          graph('API latency (ms)', [
            props.api.metricLatency({ statistic: cloudwatch.Stats.percentile(50), label: 'p50' }),
            props.api.metricLatency({ statistic: cloudwatch.Stats.percentile(99), label: 'p99' }),
          ]),
        ],
        [
          graph('Function errors', fns.map(([name, fn]) => fn.metricErrors({ label: name }))),
          graph('Function duration p99 (ms)', fns.map(([name, fn]) => fn.metricDuration({ statistic: cloudwatch.Stats.percentile(99), label: name }))),
          graph('Function throttles', fns.map(([name, fn]) => fn.metricThrottles({ label: name }))),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 6 })],
      ],
    });
  }
}
