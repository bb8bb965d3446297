/**
 * What people read about an alarm: the Slack-compatible ops message (`{ text, blocks }`; `text` alone also
 * works for Mattermost, Teams-Slack bridges and plain incoming webhooks) and the tenant-facing `alert` event
 * data, which tells the tenant what happened and what to do without exposing account, region or thresholds.
 */
import type { AlertData } from '../../core/domain/event.ts';
import type { AlarmScope, CloudWatchAlarm } from './cloudwatch-alarm.ts';

export interface OpsMessage {
  readonly text: string;
  readonly blocks: readonly Record<string, unknown>[];
}

const STATE_ICON: Record<CloudWatchAlarm['NewStateValue'], string> = {
  ALARM: ':red_circle:',
  OK: ':large_green_circle:',
  INSUFFICIENT_DATA: ':white_circle:',
};

/** The ops notification for an alarm state change. */
export function opsMessage(alarm: CloudWatchAlarm, scope: AlarmScope | undefined): OpsMessage {
  const title = `${STATE_ICON[alarm.NewStateValue]} ${alarm.NewStateValue}: ${alarm.AlarmName}`;
  const summary = alarm.AlarmDescription?.trim();
  const context = [
    alarm.OldStateValue ? `was ${alarm.OldStateValue}` : undefined,
    `at ${alarm.StateChangeTime}`,
    alarm.Region,
    alarm.AWSAccountId ? `account ${alarm.AWSAccountId}` : undefined,
    scope ? `tenant ${scope.tenantId}${scope.sessionId ? `, session ${scope.sessionId}` : ''}` : undefined,
  ].filter(Boolean) as string[];
  const text = [title, summary, alarm.NewStateReason].filter(Boolean).join('\n');
  return {
    text: escapeMrkdwn(text),
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(title)}*${summary ? `\n${escapeMrkdwn(summary)}` : ''}` } },
      ...(alarm.NewStateReason ? [{ type: 'section', text: { type: 'mrkdwn', text: `>${escapeMrkdwn(alarm.NewStateReason)}` } }] : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(context.join(' · ')) }] },
    ],
  };
}

const TENANT_TEXT: Record<string, string> = {
  logged_out: 'The session was logged out of WhatsApp. Link it again (QR or pairing code) to resume sending.',
  stuck_disconnected: 'The session has not been connected for several minutes; sends are waiting.',
  pacing_tripped: 'Sends for this session are being held back by pacing; the backlog will go out more slowly.',
  session_parked: 'The session kept failing to connect and was parked; it will be retried later.',
};

/** The `alert` event data for a tenant, or undefined when the state change is not worth telling them. */
export function tenantAlert(alarm: CloudWatchAlarm, scope: AlarmScope): AlertData | undefined {
  if (alarm.NewStateValue === 'INSUFFICIENT_DATA') return undefined;
  const firing = alarm.NewStateValue === 'ALARM';
  const what = TENANT_TEXT[scope.alert] ?? `Alert ${scope.alert} is firing.`;
  return {
    alert: scope.alert,
    severity: firing ? (scope.alert === 'logged_out' ? 'critical' : 'warning') : 'info',
    message: firing ? what : `Resolved: ${scope.alert.replace(/_/g, ' ')}.`,
    details: { state: firing ? 'firing' : 'resolved', changedAt: alarm.StateChangeTime },
  };
}

/** Slack mrkdwn control characters. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
