import { describe, expect, it } from 'vitest';
import { alarmScope, parseAlarm, type CloudWatchAlarm } from '../../../../lambdas/alarms/cloudwatch-alarm.ts';
import { cloudWatchAlarm } from './alarm-fixtures.ts';

const parse = (overrides: Record<string, unknown> = {}): CloudWatchAlarm => parseAlarm(JSON.stringify(cloudWatchAlarm(overrides)))!;

describe('parseAlarm', () => {
  it('reads a CloudWatch alarm notification and refuses anything else', () => {
    expect(parse()).toMatchObject({ AlarmName: 'wa-fleet-SessionsStuckDisconnected', NewStateValue: 'ALARM', OldStateValue: 'OK' });
    expect(parseAlarm('not json')).toBeUndefined();
    expect(parseAlarm(JSON.stringify({ hello: 'world' }))).toBeUndefined();
    expect(parseAlarm(JSON.stringify(cloudWatchAlarm({ NewStateValue: 'MAYBE' })))).toBeUndefined();
    expect(parse({ AlarmDescription: null }).AlarmDescription).toBeNull();
  });
});

describe('alarmScope', () => {
  it('is undefined for a fleet alarm', () => {
    expect(alarmScope(parse())).toBeUndefined();
  });

  it('comes from TenantId/SessionId dimensions, with the alert kind from the metric name', () => {
    const alarm = parse({
      AlarmName: 'tenant-a-s1-logged-out',
      Trigger: { MetricName: 'SessionLoggedOut', Dimensions: [{ name: 'TenantId', value: 'tenant-a' }, { name: 'SessionId', value: 's1' }] },
    });
    expect(alarmScope(alarm)).toEqual({ tenantId: 'tenant-a', sessionId: 's1', alert: 'logged_out' });
  });

  it('finds the dimensions on any metric of a metric-math alarm, and honours an Alert dimension', () => {
    const alarm = parse({
      Trigger: {
        Metrics: [
          { Id: 'e1', Expression: 'm1 * 2' },
          { Id: 'm1', MetricStat: { Metric: { MetricName: 'Whatever', Dimensions: [{ name: 'TenantId', value: 'tenant-b' }, { name: 'Alert', value: 'pacing_tripped' }] } } },
        ],
      },
    });
    expect(alarmScope(alarm)).toEqual({ tenantId: 'tenant-b', sessionId: undefined, alert: 'pacing_tripped' });
  });

  it('comes from a wa-fleet token in the description when the metric cannot carry dimensions', () => {
    const alarm = parse({ AlarmName: 'BigCustomerParked', AlarmDescription: 'Parked sessions. wa-fleet:tenant=acme session=main alert=session_parked' });
    expect(alarmScope(alarm)).toEqual({ tenantId: 'acme', sessionId: 'main', alert: 'session_parked' });
    expect(alarmScope(parse({ AlarmName: 'AcmeSlow', AlarmDescription: 'wa-fleet:tenant=acme' }))).toEqual({
      tenantId: 'acme',
      sessionId: undefined,
      alert: 'stuck_disconnected',
    });
    expect(alarmScope(parse({ AlarmName: 'AcmeThing', AlarmDescription: 'wa-fleet:tenant=acme', Trigger: { MetricName: 'Other' } }))?.alert).toBe('acme_thing');
  });

  it('ignores dimension values that cannot be ids', () => {
    const alarm = parse({ Trigger: { MetricName: 'SessionLoggedOut', Dimensions: [{ name: 'TenantId', value: 'a/../b' }] } });
    expect(alarmScope(alarm)).toBeUndefined();
  });
});
