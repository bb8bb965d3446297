/**
 * SNS subscriber of the alarm topic (D9): each record is a CloudWatch alarm state change. Every record is
 * handled before any failure is raised; a failure (events queue or ops webhook down) then fails the
 * invocation so Lambda's async retries run it again — alert event ids are deterministic, so a retry does
 * not notify the tenant twice.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SNSEvent } from 'aws-lambda';
import { createSqsClient } from '../../core/aws/sqs-client.ts';
import { SqsQueue } from '../../core/aws/sqs-queue.ts';
import { systemClock } from '../../core/clock.ts';
import { SqsEventPublisher } from '../../core/events/event-publisher.ts';
import { createLogger } from '../../core/logger.ts';
import { parseAlarm } from './cloudwatch-alarm.ts';
import { loadAlarmsConfig } from './config.ts';
import { handleAlarm, type AlarmDeps, type AlarmOutcome } from './handle-alarm.ts';
import { HttpOpsNotifier } from './http-ops-notifier.ts';

const logger = createLogger('alarms');
let composed: AlarmDeps | undefined;

function compose(): AlarmDeps {
  const config = loadAlarmsConfig();
  return {
    events: new SqsEventPublisher(new SqsQueue(createSqsClient(), config.eventsQueueUrl)),
    ops: config.opsWebhookUrl ? new HttpOpsNotifier(config.opsWebhookUrl) : undefined,
    clock: systemClock,
    logger,
  };
}

/** Handles every alarm notification of the event (the bare function, for tests). */
export async function handleAlarmNotifications(deps: AlarmDeps, event: SNSEvent): Promise<AlarmOutcome[]> {
  const outcomes: AlarmOutcome[] = [];
  const errors: unknown[] = [];
  for (const record of event.Records) {
    const alarm = parseAlarm(record.Sns.Message);
    if (!alarm) {
      logger.warn('alarm.not_an_alarm', { messageId: record.Sns.MessageId, subject: record.Sns.Subject });
      continue;
    }
    try {
      outcomes.push(await handleAlarm(deps, alarm));
    } catch (error) {
      logger.error('alarm.notification_failed', { alarmName: alarm.AlarmName, error: error as Error });
      errors.push(error);
    }
  }
  if (errors.length) throw new AggregateError(errors, `${errors.length} alarm notifications failed`);
  return outcomes;
}

export const handler = middy(async (event: SNSEvent): Promise<void> => {
  composed ??= compose();
  await handleAlarmNotifications(composed, event);
}).use(injectLambdaContext(logger));
