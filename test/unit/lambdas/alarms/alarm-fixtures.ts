/** CloudWatch alarm notifications as SNS delivers them (the SNS Message), with overrides. */
import type { SNSEvent } from 'aws-lambda';

export function cloudWatchAlarm(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    AlarmName: 'wa-fleet-SessionsStuckDisconnected',
    AlarmDescription: 'Runners report sessions that should be connected but have not been open for over 5 minutes.',
    AWSAccountId: '123456789012',
    AlarmConfigurationUpdatedTimestamp: '2025-05-01T09:00:00.000+0000',
    NewStateValue: 'ALARM',
    NewStateReason:
      'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (10/06/25 12:33:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    StateChangeTime: '2025-06-10T12:34:56.789+0000',
    Region: 'EU (Frankfurt)',
    AlarmArn: 'arn:aws:cloudwatch:eu-central-1:123456789012:alarm:wa-fleet-SessionsStuckDisconnected',
    OldStateValue: 'OK',
    OKActions: ['arn:aws:sns:eu-central-1:123456789012:alarms'],
    AlarmActions: ['arn:aws:sns:eu-central-1:123456789012:alarms'],
    InsufficientDataActions: [],
    Trigger: {
      MetricName: 'SessionsStuckDisconnected',
      Namespace: 'WaFleet',
      StatisticType: 'Statistic',
      Statistic: 'MAXIMUM',
      Unit: null,
      Dimensions: [{ value: 'socket-runner', name: 'service' }],
      Period: 60,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1.0,
      TreatMissingData: 'notBreaching',
      EvaluateLowSampleCountPercentile: '',
    },
    ...overrides,
  };
}

export function snsEvent(...messages: unknown[]): SNSEvent {
  return {
    Records: messages.map((message, i) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-central-1:123456789012:alarms:sub',
      Sns: {
        Type: 'Notification',
        MessageId: `msg-${i}`,
        TopicArn: 'arn:aws:sns:eu-central-1:123456789012:alarms',
        Subject: 'ALARM: "wa-fleet-SessionsStuckDisconnected" in EU (Frankfurt)',
        Message: typeof message === 'string' ? message : JSON.stringify(message),
        Timestamp: '2025-06-10T12:34:57.000Z',
        SignatureVersion: '1',
        Signature: 'sig',
        SigningCertUrl: 'https://sns.eu-central-1.amazonaws.com/cert.pem',
        UnsubscribeUrl: 'https://sns.eu-central-1.amazonaws.com/unsubscribe',
        MessageAttributes: {},
      },
    })),
  };
}
