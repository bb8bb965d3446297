import { describe, expect, it } from 'vitest';
import { opsMessage, tenantAlert } from '../../../../lambdas/alarms/alarm-messages.ts';
import { parseAlarm, type CloudWatchAlarm } from '../../../../lambdas/alarms/cloudwatch-alarm.ts';
import { cloudWatchAlarm } from './alarm-fixtures.ts';

const parse = (overrides: Record<string, unknown> = {}): CloudWatchAlarm => parseAlarm(JSON.stringify(cloudWatchAlarm(overrides)))!;

describe('ops message', () => {
  it('reads as a Slack message: state and name, description, reason, and where', () => {
    const message = opsMessage(parse(), undefined);
    expect(message.text).toBe(
      [
        ':red_circle: ALARM: wa-fleet-SessionsStuckDisconnected',
        'Runners report sessions that should be connected but have not been open for over 5 minutes.',
        'Threshold Crossed: 1 out of the last 1 datapoints [3.0 (10/06/25 12:33:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -&gt; ALARM transition).',
      ].join('\n'),
    );
    expect(message.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: '*:red_circle: ALARM: wa-fleet-SessionsStuckDisconnected*\nRunners report sessions that should be connected but have not been open for over 5 minutes.',
        },
      },
      { type: 'section', text: { type: 'mrkdwn', text: expect.stringMatching(/^>Threshold Crossed/) } },
      {
        type: 'context',
        elements: [{ type: 'mrkdwn', text: 'was OK · at 2025-06-10T12:34:56.789+0000 · EU (Frankfurt) · account 123456789012' }],
      },
    ]);
  });

  it('marks recovery and names the tenant and session of a scoped alarm', () => {
    const message = opsMessage(parse({ NewStateValue: 'OK', OldStateValue: 'ALARM' }), { tenantId: 'acme', sessionId: 'main', alert: 'logged_out' });
    expect(message.text.split('\n')[0]).toBe(':large_green_circle: OK: wa-fleet-SessionsStuckDisconnected');
    expect(JSON.stringify(message.blocks)).toContain('tenant acme, session main');
  });
});

describe('tenant alert', () => {
  const scope = { tenantId: 'acme', sessionId: 'main', alert: 'logged_out' };

  it('tells the tenant what happened and what to do, without account, region or thresholds', () => {
    const data = tenantAlert(parse(), scope)!;
    expect(data).toEqual({
      alert: 'logged_out',
      severity: 'critical',
      message: 'The session was logged out of WhatsApp. Link it again (QR or pairing code) to resume sending.',
      details: { state: 'firing', changedAt: '2025-06-10T12:34:56.789+0000' },
    });
    expect(JSON.stringify(data)).not.toMatch(/123456789012|Frankfurt|Threshold/);
  });

  it('reports recovery as info, other kinds as warnings, and says nothing on missing data', () => {
    expect(tenantAlert(parse({ NewStateValue: 'OK' }), scope)).toMatchObject({ severity: 'info', message: 'Resolved: logged out.' });
    expect(tenantAlert(parse(), { ...scope, alert: 'stuck_disconnected' })).toMatchObject({ severity: 'warning' });
    expect(tenantAlert(parse(), { ...scope, alert: 'custom_thing' })).toMatchObject({ message: 'Alert custom_thing is firing.' });
    expect(tenantAlert(parse({ NewStateValue: 'INSUFFICIENT_DATA' }), scope)).toBeUndefined();
  });
});
