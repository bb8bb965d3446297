/**
 * The scheduler function: ticked by an EventBridge rule every minute (locally by the embedded stack every
 * TICK_SECONDS), it advances due campaigns by one paced slice each (core/campaigns/run-scheduler-tick.ts).
 * Thin: the composition below builds the adapters once per container; the tick is the use-case.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ScheduledEvent } from 'aws-lambda';
import { createDynamoClients } from '../../core/aws/dynamo-clients.ts';
import { createSqsClient } from '../../core/aws/sqs-client.ts';
import { DynamoTable } from '../../core/aws/dynamo-table.ts';
import { SqsQueue } from '../../core/aws/sqs-queue.ts';
import { systemClock } from '../../core/clock.ts';
import { CommandRepository } from '../../core/commands/command-repository.ts';
import { SlotQueues } from '../../core/commands/slot-queues.ts';
import { SqsEventPublisher } from '../../core/events/event-publisher.ts';
import { createLogger } from '../../core/logger.ts';
import { tables } from '../../core/resources.ts';
import { SessionRepository } from '../../core/sessions/session-repository.ts';
import type { SchedulerDeps } from '../../core/campaigns/advance-campaign.ts';
import { DynamoCampaignCommands } from '../../core/campaigns/campaign-commands.ts';
import { CampaignStore } from '../../core/campaigns/campaign-store.ts';
import { RecipientStore } from '../../core/campaigns/recipient-store.ts';
import { runSchedulerTick, type TickSummary } from '../../core/campaigns/run-scheduler-tick.ts';
import { SuppressionStore } from '../../core/campaigns/suppression-store.ts';
import { loadSchedulerConfig } from './config.ts';

const logger = createLogger('scheduler');

/** Builds the scheduler's dependencies from the environment: the one composition spot of this function. */
export function composeScheduler(env: NodeJS.ProcessEnv = process.env): SchedulerDeps {
  const config = loadSchedulerConfig(env);
  const { doc } = createDynamoClients({ env });
  const sqs = createSqsClient({ env });
  const campaignsTable = new DynamoTable(doc, config.tables.campaigns, tables.campaigns);
  const commandsTable = new DynamoTable(doc, config.tables.commands, tables.commands);
  return {
    campaigns: new CampaignStore(campaignsTable),
    recipients: new RecipientStore(campaignsTable),
    suppressions: new SuppressionStore(new DynamoTable(doc, config.tables.tenants, tables.tenants), systemClock),
    sessions: new SessionRepository(new DynamoTable(doc, config.tables.sessions, tables.sessions), systemClock),
    commands: new DynamoCampaignCommands(
      new CommandRepository(commandsTable, systemClock),
      commandsTable,
      new SlotQueues(sqs, config.commandQueueUrlTemplate, config.slotCount),
    ),
    events: new SqsEventPublisher(new SqsQueue(sqs, config.eventsQueueUrl)),
    clock: systemClock,
    random: Math.random,
    settings: config.settings,
    logger,
  };
}

let composed: SchedulerDeps | undefined;

/** The bare handler: one tick. Tests pass their own dependencies. */
export async function tick(_event: ScheduledEvent | Record<string, never>, deps: SchedulerDeps = (composed ??= composeScheduler())): Promise<TickSummary> {
  const summary = await runSchedulerTick(deps);
  if (summary.due > 0) logger.info('scheduler.tick', { ...summary });
  return summary;
}

export const handler = middy((event: ScheduledEvent) => tick(event)).use(injectLambdaContext(logger));
