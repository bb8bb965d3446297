import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../../core/clock.ts';
import type { AnyEvent } from '../../../../core/domain/event.ts';
import { eventDataIssues, parseEventEnvelope } from '../../../../core/domain/event-schemas.ts';
import type { EventPublisher } from '../../../../core/events/event-publisher.ts';
import { DependencyError } from '../../../../core/errors.ts';
import { createLogger } from '../../../../core/logger.ts';
import type { AlarmDeps } from '../../../../lambdas/alarms/handle-alarm.ts';
import { handleAlarmNotifications } from '../../../../lambdas/alarms/handler.ts';
import { HttpOpsNotifier } from '../../../../lambdas/alarms/http-ops-notifier.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../../support/webhook-receiver.ts';
import { cloudWatchAlarm, snsEvent } from './alarm-fixtures.ts';

class RecordingPublisher implements EventPublisher {
  readonly published: AnyEvent[] = [];
  failing = false;
  async publish(events: readonly AnyEvent[]): Promise<void> {
    if (this.failing) throw new DependencyError('sqs', 'down');
    this.published.push(...events);
  }
}

const scoped = cloudWatchAlarm({
  AlarmName: 'acme-main-logged-out',
  Trigger: { MetricName: 'SessionLoggedOut', Dimensions: [{ name: 'TenantId', value: 'acme' }, { name: 'SessionId', value: 'main' }] },
});

describe('alarms handler', () => {
  let ops: WebhookReceiver;
  let publisher: RecordingPublisher;
  let deps: AlarmDeps;

  beforeAll(async () => {
    ops = await startWebhookReceiver();
  });
  afterAll(() => ops.close());
  beforeEach(() => {
    ops.requests.length = 0;
    ops.behave(() => undefined);
    publisher = new RecordingPublisher();
    deps = { events: publisher, ops: new HttpOpsNotifier(ops.url, 1_000), clock: systemClock, logger: createLogger('alarms-test') };
  });

  it('posts every state change to the ops webhook as Slack JSON, and alerts only scoped alarms to tenants', async () => {
    await handleAlarmNotifications(deps, snsEvent(cloudWatchAlarm(), scoped));

    expect(ops.requests).toHaveLength(2);
    const bodies = ops.requests.map((r) => JSON.parse(r.body) as { text: string; blocks: unknown[] });
    expect(bodies[0]?.text).toMatch(/^:red_circle: ALARM: wa-fleet-SessionsStuckDisconnected/);
    expect(bodies[0]?.blocks).toHaveLength(3);
    expect(ops.requests[0]?.headers['content-type']).toBe('application/json');

    expect(publisher.published).toHaveLength(1);
    const alert = parseEventEnvelope(publisher.published[0]);
    expect(alert).toMatchObject({ type: 'alert', tenantId: 'acme', sessionId: 'main', occurredAt: '2025-06-10T12:34:56.789Z' });
    expect(alert.data).toMatchObject({ alert: 'logged_out', severity: 'critical' });
    expect(eventDataIssues(alert)).toEqual([]);
  });

  it('gives a repeated notification the same event id, so the tenant is not told twice', async () => {
    await handleAlarmNotifications(deps, snsEvent(scoped));
    await handleAlarmNotifications(deps, snsEvent(scoped));
    await handleAlarmNotifications(deps, snsEvent({ ...scoped, NewStateValue: 'OK', StateChangeTime: '2025-06-10T13:00:00.000+0000' }));

    const ids = publisher.published.map((e) => e.id);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('still alerts the tenant when the ops webhook fails, then fails the invocation for a retry', async () => {
    ops.behave(() => ({ status: 500 }));
    await expect(handleAlarmNotifications(deps, snsEvent(scoped))).rejects.toThrow(/alarm notifications failed/);
    expect(publisher.published).toHaveLength(1);
  });

  it('still posts to ops when the events queue fails', async () => {
    publisher.failing = true;
    await expect(handleAlarmNotifications(deps, snsEvent(scoped))).rejects.toThrow();
    expect(ops.requests).toHaveLength(1);
  });

  it('logs instead of posting without an ops webhook, and skips messages that are not alarms', async () => {
    const outcomes = await handleAlarmNotifications({ ...deps, ops: undefined }, snsEvent('{"not":"an alarm"}', cloudWatchAlarm()));
    expect(outcomes).toEqual([{ alert: undefined, ops: 'logged' }]);
    expect(ops.requests).toHaveLength(0);
  });
});
