import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyEvent } from '../../../core/domain/event.ts';
import { SqsEventPublisher } from '../../../core/events/event-publisher.ts';
import { createLogger } from '../../../core/logger.ts';
import { handleAlarmNotifications } from '../../../lambdas/alarms/handler.ts';
import { handleEvents } from '../../../lambdas/webhooks/handler.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { cloudWatchAlarm, snsEvent } from '../../unit/lambdas/alarms/alarm-fixtures.ts';
import { pollOnce, verifyAtItsTime, webhooksHarness, type WebhooksHarness } from './webhooks-harness.ts';

describe('session-scoped alarm -> tenant alert webhook', () => {
  let h: WebhooksHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    [h, receiver] = await Promise.all([webhooksHarness(), startWebhookReceiver()]);
  });
  afterAll(async () => {
    await receiver.close();
    h.close();
  });

  it('reaches the tenant once, signed, even when SNS delivers the notification twice', async () => {
    const { secret } = await h.register('acme', { url: receiver.url, events: ['alert'] });
    const alarm = cloudWatchAlarm({
      StateChangeTime: new Date(h.clock.now()).toISOString(),
      Trigger: { MetricName: 'SessionLoggedOut', Dimensions: [{ name: 'TenantId', value: 'acme' }, { name: 'SessionId', value: 'main' }] },
    });
    const deps = { events: new SqsEventPublisher(h.eventsQueue), clock: h.clock, logger: createLogger('alarms-test') };

    await handleAlarmNotifications(deps, snsEvent(alarm));
    await handleAlarmNotifications(deps, snsEvent(alarm));
    await pollOnce(h.eventsQueue, (event) => handleEvents(h.deps, event));

    expect(receiver.requests).toHaveLength(1);
    const alert = verifyAtItsTime(secret, receiver.requests[0]!) as AnyEvent;
    expect(alert).toMatchObject({ type: 'alert', tenantId: 'acme', sessionId: 'main', data: { alert: 'logged_out', severity: 'critical' } });
  });
});
