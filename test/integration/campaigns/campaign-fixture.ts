/**
 * Builders for campaign integration tests: emulator-backed stores and scheduler dependencies with a fake
 * clock, a session that is open on slot 0, a fake runner that works the slot queue like the real one
 * (claim queued -> sending, then sent, delivered; or failed for chosen numbers), and call counters on the
 * SDK clients to measure the work of one tick.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../../core/aws/clients.ts';
import { openTable } from '../../../core/aws/tables.ts';
import { SqsQueue } from '../../../core/aws/sqs-queue.ts';
import type { Clock } from '../../../core/clock.ts';
import { CommandRepository } from '../../../core/commands/command-repository.ts';
import { SlotQueues } from '../../../core/commands/slot-queues.ts';
import type { CommandEnvelope } from '../../../core/domain/command.ts';
import type { AnyEvent } from '../../../core/domain/event.ts';
import type { SendMessagePayload } from '../../../core/domain/message.ts';
import { DEFAULT_PACING, type Pacing } from '../../../core/domain/session.ts';
import { SqsEventPublisher } from '../../../core/events/event-publisher.ts';
import { queueUrlFromEnv, slotCountFromEnv } from '../../../core/resource-config.ts';
import { queues } from '../../../core/resources.ts';
import { SessionRepository } from '../../../core/sessions/session-repository.ts';
import type { SchedulerDeps, SchedulerSettings } from '../../../core/campaigns/advance-campaign.ts';
import { DynamoCampaignCommands } from '../../../core/campaigns/campaign-commands.ts';
import { CampaignStore } from '../../../core/campaigns/campaign-store.ts';
import type { CreateCampaignInput } from '../../../core/campaigns/campaign-schemas.ts';
import { createCampaignSchema } from '../../../core/campaigns/campaign-schemas.ts';
import { createCampaign } from '../../../core/campaigns/create-campaign.ts';
import { S3RecipientImports } from '../../../core/campaigns/recipient-imports.ts';
import { RecipientStore } from '../../../core/campaigns/recipient-store.ts';
import { SuppressionStore } from '../../../core/campaigns/suppression-store.ts';
import type { AwsFixture } from '../../support/aws-fixture.ts';

export const MINUTE = 60_000;

export class FakeClock implements Clock {
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  monotonic(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export const testSettings: SchedulerSettings = {
  tickMs: MINUTE,
  maxCampaignsPerTick: 20,
  maxSendsPerTick: 2_000,
  maxSlicePerCampaign: 300,
  reconcileBatch: 200,
  commandTtlMs: 15 * MINUTE,
  expiryGraceMs: 2 * MINUTE,
  staleStepMs: 2 * MINUTE,
  trackingIntervalMs: 5 * MINUTE,
  receiptWindowMs: 24 * 60 * MINUTE,
  backlogTicks: 3,
  failureSpike: { window: 50, minimum: 10, ratio: 0.3 },
};

/** Counts SDK calls by command name on a client (DynamoDB document client or SQS). */
export class CallCounter {
  readonly calls = new Map<string, number>();
  attach(client: DynamoDBDocumentClient | SQSClient): void {
    (client.middlewareStack as { add: (m: unknown, o: unknown) => void }).add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
        const name = context.commandName ?? 'unknown';
        this.calls.set(name, (this.calls.get(name) ?? 0) + 1);
        return next(args);
      },
      { step: 'initialize', name: `callCounter${Math.random()}` },
    );
  }
  total(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }
  reset(): void {
    this.calls.clear();
  }
}

export interface CampaignWorld {
  readonly clients: AwsClients;
  readonly clock: FakeClock;
  readonly deps: SchedulerDeps;
  readonly sessions: SessionRepository;
  readonly commandRepository: CommandRepository;
  readonly slotQueues: SlotQueues;
  readonly imports: S3RecipientImports;
  readonly dynamoCalls: CallCounter;
  readonly sqsCalls: CallCounter;
  readonly eventsQueue: SqsQueue;
  create(tenantId: string, input: Omit<CreateCampaignInput, 'sessionId'> & { sessionId?: string }): ReturnType<typeof createCampaign>;
  close(): void;
}

/** Stores and scheduler on the emulators, with their own counted SDK clients and a fake clock. */
export function campaignWorld(aws: AwsFixture, start: number, overrides: Partial<SchedulerSettings> = {}): CampaignWorld {
  const clients = createAwsClients({ env: aws.env, maxAttempts: 2 });
  const dynamoCalls = new CallCounter();
  const sqsCalls = new CallCounter();
  dynamoCalls.attach(clients.doc);
  sqsCalls.attach(clients.sqs);
  const clock = new FakeClock(start);
  const campaignsTable = openTable(clients.doc, 'campaigns', aws.env);
  const commandsTable = openTable(clients.doc, 'commands', aws.env);
  const sessions = new SessionRepository(openTable(clients.doc, 'sessions', aws.env), clock);
  const commandRepository = new CommandRepository(commandsTable, clock);
  const slotQueues = new SlotQueues(clients.sqs, queueUrlFromEnv(queues.commands, aws.env), slotCountFromEnv(aws.env));
  const eventsQueue = new SqsQueue(clients.sqs, queueUrlFromEnv(queues.events, aws.env));
  const imports = new S3RecipientImports(clients.s3, aws.env.IMPORTS_BUCKET!, clock, { maxBytes: 1_000_000, urlTtlSeconds: 900 });
  const deps: SchedulerDeps = {
    campaigns: new CampaignStore(campaignsTable),
    recipients: new RecipientStore(campaignsTable),
    suppressions: new SuppressionStore(openTable(clients.doc, 'tenants', aws.env), clock),
    sessions,
    commands: new DynamoCampaignCommands(commandRepository, commandsTable, slotQueues),
    events: new SqsEventPublisher(eventsQueue),
    clock,
    random: () => 0.5,
    settings: { ...testSettings, ...overrides },
  };
  return {
    clients,
    clock,
    deps,
    sessions,
    commandRepository,
    slotQueues,
    imports,
    dynamoCalls,
    sqsCalls,
    eventsQueue,
    create: (tenantId, input) =>
      createCampaign(tenantId, createCampaignSchema.parse({ sessionId: 'session-1', ...input }), {
        campaigns: deps.campaigns,
        recipients: deps.recipients,
        sessions,
        imports,
        clock,
        maxRecipients: 50_000,
      }),
    close: () => destroyAwsClients(clients),
  };
}

/** A session that is open on slot 0, as its owning runner would have written it. */
export async function openSession(world: CampaignWorld, tenantId: string, sessionId = 'session-1', pacing: Pacing = DEFAULT_PACING): Promise<void> {
  await world.sessions.create({ tenantId, sessionId, pacing });
  await world.sessions.updateFromOwner(tenantId, sessionId, 1, { status: 'open', slot: 0, ownerRunnerId: 'runner-a' });
}

export async function setSessionStatus(world: CampaignWorld, tenantId: string, status: 'open' | 'reconnecting' | 'needs_pairing', sessionId = 'session-1'): Promise<void> {
  await world.sessions.updateFromOwner(tenantId, sessionId, 1, { status });
}

/** Digits of the `index`-th test number (+1 415 2xx xxxx: valid, distinct). */
export function digitsOf(index: number, offset = 0): string {
  return `1415${2_000_000 + offset + index}`;
}

/** `count` distinct valid numbers with a `name` variable. */
export function recipients(count: number, offset = 0): { to: string; variables: { name: string } }[] {
  return Array.from({ length: count }, (_, i) => ({ to: `+${digitsOf(i, offset)}`, variables: { name: `R${offset + i}` } }));
}

export interface RunnerReport {
  readonly received: number;
  readonly sent: string[];
}

/**
 * Works slot 0's queue like the runner: for each envelope, claim (queued -> sending, conditional: a
 * duplicate is not sent twice), then sent and delivered, or failed for numbers in `failFor`.
 */
export async function runFakeRunner(world: CampaignWorld, options: { failFor?: ReadonlySet<string>; read?: boolean } = {}): Promise<RunnerReport> {
  const queue = world.slotQueues.queue(0);
  const sent: string[] = [];
  let received = 0;
  for (;;) {
    const messages = await queue.receive({ maxMessages: 10, waitSeconds: 0 });
    if (messages.length === 0) break;
    received += messages.length;
    for (const message of messages) {
      const envelope = JSON.parse(message.body) as CommandEnvelope;
      const claimed = await world.commandRepository.transition<SendMessagePayload>(envelope.tenantId, envelope.sessionId, envelope.commandId, 'sending');
      if (claimed) {
        const digits = claimed.payload.to.split('@')[0]!;
        if (options.failFor?.has(digits)) {
          await world.commandRepository.transition(envelope.tenantId, envelope.sessionId, envelope.commandId, 'failed', {
            failure: { code: 'not_on_whatsapp', message: 'no account' },
          });
        } else {
          sent.push(`${digits}:${claimed.payload.type === 'text' ? claimed.payload.text : ''}`);
          await world.commandRepository.transition(envelope.tenantId, envelope.sessionId, envelope.commandId, 'sent');
          await world.commandRepository.transition(envelope.tenantId, envelope.sessionId, envelope.commandId, 'delivered');
          if (options.read) await world.commandRepository.transition(envelope.tenantId, envelope.sessionId, envelope.commandId, 'read');
        }
      }
      await queue.delete(message.receiptHandle);
    }
  }
  return { received, sent };
}

/** Every event on the events queue (drained). */
export async function drainEvents(world: CampaignWorld): Promise<AnyEvent[]> {
  const events: AnyEvent[] = [];
  for (;;) {
    const messages = await world.eventsQueue.receive({ maxMessages: 10, waitSeconds: 0 });
    if (messages.length === 0) return events;
    for (const message of messages) events.push(JSON.parse(message.body) as AnyEvent);
    await world.eventsQueue.deleteMany(messages.map((message) => message.receiptHandle));
  }
}

/** All commands of a session (any status). */
export async function commandsOf(world: CampaignWorld, aws: AwsFixture, tenantId: string, sessionId = 'session-1') {
  return openTable(world.clients.doc, 'commands', aws.env).queryAll({ partition: `${tenantId}#${sessionId}`, consistent: true });
}
