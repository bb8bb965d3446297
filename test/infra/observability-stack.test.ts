// Alarms, dashboard and the alarm path: every question in D9 has an alarm on the right metric, every DLQ and
// every slot queue is watched (folded into alarms of at most 10 metrics), every function's errors are
// alarmed, and every alarm notifies the encrypted topic that feeds the alarms function.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synthFleet, type SynthesizedFleet } from './support/synth-fleet.ts';

const SLOT_COUNT = 25; // three groups of slot queues: 10 + 10 + 5

let synthesized: SynthesizedFleet;
let observability: Template;

interface AlarmResource {
  Properties: {
    MetricName?: string;
    Namespace?: string;
    Dimensions?: { Name: string; Value: unknown }[];
    Metrics?: { Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions?: { Name: string; Value: unknown }[] } } }[];
    Threshold: number;
    AlarmActions: unknown[];
    OKActions: unknown[];
    EvaluationPeriods: number;
    DatapointsToAlarm: number;
  };
}

beforeAll(() => {
  synthesized = synthFleet({ context: { slotCount: SLOT_COUNT, opsEmail: 'ops@example.com', opsWebhookUrlParameter: '/wa-fleet/ops-webhook-url' } });
  observability = synthesized.template(synthesized.fleet.observability);
});
afterAll(() => synthesized.dispose());

const alarms = () => observability.findResources('AWS::CloudWatch::Alarm') as Record<string, AlarmResource>;
const alarmsNamed = (prefix: string) => Object.entries(alarms()).filter(([id]) => id.startsWith(`Alarms${prefix}`)).map(([, alarm]) => alarm);
const metricNames = (alarm: AlarmResource) => [alarm.Properties.MetricName, ...(alarm.Properties.Metrics ?? []).map((m) => m.MetricStat?.Metric.MetricName)].filter(Boolean);
const dimensionValues = (alarm: AlarmResource) =>
  JSON.stringify([alarm.Properties.Dimensions, ...(alarm.Properties.Metrics ?? []).map((m) => m.MetricStat?.Metric.Dimensions)]);

describe('alarm topic', () => {
  it('is KMS-encrypted, TLS-only, and usable by CloudWatch alarms', () => {
    observability.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    observability.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }, ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    observability.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('feeds the alarms function, and the optional ops e-mail directly', () => {
    observability.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'lambda' });
    observability.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });

  it('hands the alarms function the ops webhook URL from SSM and the events queue for tenant alerts', () => {
    const fn = observability.findResources('AWS::Lambda::Function')[synthesized.logicalId(synthesized.fleet.observability.alarmsFunction)]!;
    const variables = fn.Properties.Environment.Variables;
    expect(observability.toJSON().Parameters[variables.OPS_WEBHOOK_URL.Ref]).toMatchObject({ Default: '/wa-fleet/ops-webhook-url' });
    expect(variables.EVENTS_QUEUE_URL).toBeDefined();
  });
});

describe('alarms', () => {
  it('notify the topic when they fire and when they recover', () => {
    const topic = { Ref: synthesized.logicalId(synthesized.fleet.observability.topic) };
    expect(Object.keys(alarms()).length).toBeGreaterThan(10);
    for (const alarm of Object.values(alarms())) {
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
      expect(alarm.Properties.OKActions).toEqual([topic]);
      expect(alarm.Properties.DatapointsToAlarm).toBe(alarm.Properties.EvaluationPeriods);
    }
  });

  it('fire when fewer runners run than desired for 5 minutes (Container Insights)', () => {
    const [alarm] = alarmsNamed('RunnersBelowDesired');
    expect(metricNames(alarm!).sort()).toEqual(['DesiredTaskCount', 'RunningTaskCount']);
    expect(alarm!.Properties.Metrics!.find((metric) => metric.Expression)?.Expression).toBe('desired - running');
    expect(alarm!.Properties).toMatchObject({ Threshold: 1, EvaluationPeriods: 5 });
  });

  it('fire on sessions stuck disconnected, from the metric the runners publish', () => {
    const [alarm] = alarmsNamed('SessionsStuckDisconnected');
    expect(alarm!.Properties).toMatchObject({
      Namespace: 'WaFleet',
      MetricName: 'SessionsStuckDisconnected',
      Dimensions: [{ Name: 'service', Value: 'socket-runner' }],
      Threshold: 1,
    });
  });

  it('watch the oldest command of every slot queue, at most 10 queues per alarm', () => {
    const commandAge = alarmsNamed('CommandAge');
    expect(commandAge).toHaveLength(3);
    const watched = new Set<string>();
    for (const alarm of commandAge) {
      const metrics = alarm.Properties.Metrics!.filter((metric) => metric.MetricStat);
      expect(metrics.length).toBeLessThanOrEqual(10);
      expect(alarm.Properties.Metrics!.find((metric) => metric.Expression)?.Expression).toMatch(/^MAX\(\[/);
      for (const metric of metrics) {
        expect(metric.MetricStat!.Metric.MetricName).toBe('ApproximateAgeOfOldestMessage');
        watched.add(JSON.stringify(metric.MetricStat!.Metric.Dimensions));
      }
      expect(alarm.Properties.Threshold).toBe(300);
    }
    expect(watched.size).toBe(SLOT_COUNT);
  });

  it('watch the depth of every dead-letter queue', () => {
    const dlqAlarms = [...alarmsNamed('EventsDeadLetters'), ...alarmsNamed('DeliveryDeadLetters'), ...alarmsNamed('CommandDeadLetters')];
    const watched = dlqAlarms.map(dimensionValues).join(' ');
    const queues = synthesized.fleet.stateful.resources.queues.allDeadLetterQueues();
    expect(queues).toHaveLength(SLOT_COUNT + 2);
    for (const queue of queues) expect(watched).toContain(synthesized.logicalId(queue));
    for (const alarm of dlqAlarms) expect(metricNames(alarm).every((name) => name === 'ApproximateNumberOfMessagesVisible')).toBe(true);
    expect(alarmsNamed('DeliveryDeadLetters')[0]!.Properties.Threshold).toBe(100);
    expect(alarmsNamed('EventsDeadLetters')[0]!.Properties.Threshold).toBe(1);
  });

  it('fire on a webhook failure rate computed from the delivery counters', () => {
    const [alarm] = alarmsNamed('WebhookFailureRate');
    expect(metricNames(alarm!).sort()).toEqual(['WebhookDeliveryFailed', 'WebhookDeliverySucceeded']);
    expect(dimensionValues(alarm!)).toContain('"Value":"webhooks"');
    expect(alarm!.Properties.Metrics!.map((metric) => metric.Expression).filter(Boolean)).toContain(
      'IF((ok + failed) >= 20, 100 * failed / (ok + failed), 0)',
    );
    expect(alarm!.Properties.Threshold).toBe(20);
  });

  it('fire on errors of every function', () => {
    const functions = ['Api', 'Authorizer', 'Webhooks', 'WebhookRetry', 'Scheduler', 'Alarms'];
    for (const name of functions) {
      const [alarm] = alarmsNamed(`${name}Errors`);
      expect(alarm?.Properties).toMatchObject({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Threshold: 1 });
    }
  });

  it('fire on API 5xx and on runner memory pressure', () => {
    expect(alarmsNamed('Api5xx')[0]!.Properties).toMatchObject({ Namespace: 'AWS/ApiGateway', MetricName: '5XXError', Threshold: 5 });
    expect(alarmsNamed('RunnerMemoryHigh')[0]!.Properties).toMatchObject({ Namespace: 'AWS/ECS', MetricName: 'MemoryUtilization', Threshold: 85 });
  });
});

describe('dashboard', () => {
  it('shows the fleet on one CloudWatch dashboard', () => {
    observability.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(Object.values(observability.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody);
    for (const metric of ['SessionsPerRunner', 'SessionsStuckDisconnected', 'RunningTaskCount', 'ApproximateAgeOfOldestMessage', 'WebhookDeliveryFailed', '5XXError']) {
      expect(body).toContain(metric);
    }
  });
});
