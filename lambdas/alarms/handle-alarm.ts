/**
 * Use-case: one CloudWatch alarm state change arrived (through SNS). Operators hear about every change on the
 * ops webhook (or in the log when none is configured); a session-scoped alarm also becomes an `alert` event
 * for its tenant, delivered through the events queue like any other event (signed webhooks, retries).
 *
 * SNS and Lambda's async retries may deliver a notification more than once, so the alert event's id is
 * derived from the alarm and the state change: the webhook deliveries, keyed by event id, happen once.
 */
import type { Clock } from '../../core/clock.ts';
import type { AnyEvent, EventEnvelope } from '../../core/domain/event.ts';
import type { EventPublisher } from '../../core/events/event-publisher.ts';
import { derivedId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import { opsMessage, tenantAlert, type OpsMessage } from './alarm-messages.ts';
import { alarmScope, type AlarmScope, type CloudWatchAlarm } from './cloudwatch-alarm.ts';

/** Where ops messages go (a Slack-compatible incoming webhook). */
export interface OpsNotifier {
  notify(message: OpsMessage): Promise<void>;
}

export interface AlarmDeps {
  readonly events: EventPublisher;
  /** Absent: ops messages are logged only. */
  readonly ops?: OpsNotifier;
  readonly clock: Clock;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

export interface AlarmOutcome {
  readonly alert?: AnyEvent;
  readonly ops: 'sent' | 'logged';
}

export async function handleAlarm(deps: AlarmDeps, alarm: CloudWatchAlarm): Promise<AlarmOutcome> {
  const scope = alarmScope(alarm);
  const log = { alarmName: alarm.AlarmName, state: alarm.NewStateValue, previousState: alarm.OldStateValue, tenantId: scope?.tenantId, sessionId: scope?.sessionId };
  deps.logger.info('alarm.state_changed', log);

  const alert = scope ? alertEvent(alarm, scope, deps.clock) : undefined;
  const message = opsMessage(alarm, scope);
  // Independent: a failing ops webhook must not keep the tenant's alert from going out, nor the reverse.
  const [published, notified] = await Promise.allSettled([
    alert ? deps.events.publish([alert]) : Promise.resolve(),
    deps.ops ? deps.ops.notify(message) : Promise.resolve(deps.logger.warn('alarm.ops_message', { ...log, text: message.text })),
  ]);
  const failures = [published, notified].flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new AggregateError(failures, 'alert event and ops message both failed');
  return { alert, ops: deps.ops ? 'sent' : 'logged' };
}

/** The tenant's `alert` event for a scoped alarm, with an id derived from the state change (or undefined). */
function alertEvent(alarm: CloudWatchAlarm, scope: AlarmScope, clock: Clock): AnyEvent | undefined {
  const data = tenantAlert(alarm, scope);
  if (!data) return undefined;
  const changedAt = Date.parse(alarm.StateChangeTime);
  const at = Number.isFinite(changedAt) ? changedAt : clock.now();
  const event: EventEnvelope<'alert'> = {
    v: 1,
    id: derivedId(at, alarm.AlarmArn ?? alarm.AlarmName, alarm.NewStateValue, alarm.StateChangeTime),
    type: 'alert',
    tenantId: scope.tenantId,
    sessionId: scope.sessionId,
    occurredAt: new Date(at).toISOString(),
    data,
  };
  return event;
}
