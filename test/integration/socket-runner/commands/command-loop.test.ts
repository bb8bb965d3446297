// The command path on the real emulators (SQS FIFO slot queues, DynamoDB): the session host and command
// loop exactly as the runner wires them, with a fake WhatsApp connection in place of Baileys.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqsQueue } from '../../../../core/aws/sqs-queue.ts';
import { openTable } from '../../../../core/aws/tables.ts';
import { systemClock, type Clock } from '../../../../core/clock.ts';
import { CommandRepository } from '../../../../core/commands/command-repository.ts';
import { SlotQueues } from '../../../../core/commands/slot-queues.ts';
import type { CommandEnvelope, CommandRecord } from '../../../../core/domain/command.ts';
import type { AnyEvent } from '../../../../core/domain/event.ts';
import { DEFAULT_PACING } from '../../../../core/domain/session.ts';
import { SqsEventPublisher } from '../../../../core/events/event-publisher.ts';
import { newId, waMessageIdFor } from '../../../../core/ids.ts';
import { SessionRepository } from '../../../../core/sessions/session-repository.ts';
import { CommandExecutor, DEFAULT_EXECUTOR_CONFIG } from '../../../../socket-runner/commands/command-executor.ts';
import { createCommandLoop, type CommandLoop } from '../../../../socket-runner/commands/command-loop.ts';
import { Pacer } from '../../../../socket-runner/commands/pacer.ts';
import { createSessionHost, type HostedSessions } from '../../../../socket-runner/session/session-host.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';
import { FakeAuthStates, FakeConnection, FakeConnector, ownedSession, silentLogger } from '../../../unit/socket-runner/session/fakes.ts';

const TENANT = 'tenant-int';
const RECIPIENT = '4915112345678@s.whatsapp.net';

async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('command loop on the emulators', () => {
  let aws: AwsFixture;
  let sessions: SessionRepository;
  let commands: CommandRepository;
  let slotQueues: SlotQueues;
  let eventsQueue: SqsQueue;
  let connector: FakeConnector;
  let host: HostedSessions;
  let loop: CommandLoop;

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 2 });
    sessions = new SessionRepository(openTable(aws.clients.doc, 'sessions', aws.env), systemClock);
    commands = new CommandRepository(openTable(aws.clients.doc, 'commands', aws.env), systemClock);
    slotQueues = new SlotQueues(aws.clients.sqs, aws.env.COMMANDS_QUEUE_URL_TEMPLATE!, 2);
    eventsQueue = new SqsQueue(aws.clients.sqs, aws.env.EVENTS_QUEUE_URL!);
  });
  afterAll(() => aws.close());

  function startRunner() {
    connector = new FakeConnector();
    host = createSessionHost({
      sessions,
      commands,
      events: new SqsEventPublisher(eventsQueue),
      auth: new FakeAuthStates(true),
      connect: connector.factory,
      clock: systemClock,
      logger: silentLogger,
      config: { lane: { redriveIntervalMs: 3_600_000 } },
    });
    loop = createCommandLoop({
      queues: slotQueues,
      lanes: host,
      ownership: { ownerSlotOf: async (tenantId, sessionId) => (await sessions.get(tenantId, sessionId))?.slot },
      clock: systemClock,
      logger: silentLogger,
      config: { waitSeconds: 1 },
    });
    loop.start(0);
  }

  afterEach(async () => {
    await loop.stop();
    await Promise.all(host.hosted().map((id) => host.close(id, 'shutdown')));
  });

  /** A session hosted here on slot 0, open. */
  async function openSession(sessionId = newId()) {
    await sessions.create({ tenantId: TENANT, sessionId, pacing: { perMinute: 120, burst: 60, jitterMs: 0 } });
    await sessions.updateFromOwner(TENANT, sessionId, 1, { slot: 0, ownerRunnerId: 'runner-int' });
    const before = connector.connections.length;
    void host.open(ownedSession({ tenantId: TENANT, sessionId, slot: 0 }));
    const connection = await eventually(async () => connector.connections[before], 'a connection');
    connection.open();
    await eventually(async () => (await sessions.get(TENANT, sessionId))?.status === 'open', 'the session to be open');
    return { sessionId, connection };
  }

  async function newCommand(sessionId: string, overrides: { notAfter?: string; clock?: Clock } = {}) {
    const repo = overrides.clock ? new CommandRepository(openTable(aws.clients.doc, 'commands', aws.env), overrides.clock) : commands;
    const commandId = newId();
    await repo.create({
      tenantId: TENANT,
      sessionId,
      commandId,
      type: 'send_message',
      payload: { type: 'text', text: `hello ${commandId}`, to: RECIPIENT },
      waMessageId: waMessageIdFor(commandId),
      notAfter: overrides.notAfter ?? new Date(Date.now() + 3_600_000).toISOString(),
    });
    return commandId;
  }

  const envelope = (sessionId: string, commandId: string): CommandEnvelope => ({ v: 1, tenantId: TENANT, sessionId, commandId });
  const statusOf = async (sessionId: string, commandId: string) => (await commands.get(TENANT, sessionId, commandId))?.status;

  async function drainEvents(): Promise<AnyEvent[]> {
    const out: AnyEvent[] = [];
    for (let i = 0; i < 5; i++) {
      const messages = await eventsQueue.receive({ waitSeconds: 0, maxMessages: 10 });
      if (!messages.length) break;
      out.push(...messages.map((m) => JSON.parse(m.body) as AnyEvent));
      await eventsQueue.deleteMany(messages.map((m) => m.receiptHandle));
    }
    return out;
  }

  it('takes a command queued -> sending -> sent -> delivered, with the derived WhatsApp id and events', async () => {
    startRunner();
    const { sessionId, connection } = await openSession();
    await drainEvents();
    const commandId = await newCommand(sessionId);
    await slotQueues.send(0, envelope(sessionId, commandId));

    await eventually(async () => (await statusOf(sessionId, commandId)) === 'sent', 'the command to be sent');
    expect(connection.sent).toHaveLength(1);
    expect(connection.sent[0]).toMatchObject({ jid: RECIPIENT, content: { type: 'text' }, options: { messageId: waMessageIdFor(commandId) } });

    connection.listener.onReceipt({ waMessageId: waMessageIdFor(commandId), status: 'delivered' });
    connection.listener.onReceipt({ waMessageId: waMessageIdFor(commandId), status: 'sent' });
    await eventually(async () => (await statusOf(sessionId, commandId)) === 'delivered', 'the delivery receipt');
    const record = (await commands.get(TENANT, sessionId, commandId))!;
    expect(record.trail.map((t) => t.status)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(record.result).toEqual({ waMessageId: waMessageIdFor(commandId) });

    const statuses = await eventually(async () => {
      const found = (await drainEvents()).filter((e) => e.type === 'message.status');
      return found.length >= 2 ? found : undefined;
    }, 'message.status events');
    expect(statuses.map((e) => (e.data as { status: string }).status)).toEqual(['sent', 'delivered']);
    expect(statuses[0]).toMatchObject({ tenantId: TENANT, sessionId, data: { messageId: commandId, to: '4915112345678' } });
    expect((await slotQueues.queue(0).depth()).inFlight).toBe(0);
  });

  it('deletes every handled message of a burst across sessions, batching the deletes that overlap', async () => {
    startRunner();
    const open = [await openSession(), await openSession(), await openSession(), await openSession()];
    const queue = slotQueues.queue(0);
    const deleteRequests: number[] = [];
    const single = queue.delete.bind(queue);
    const many = queue.deleteMany.bind(queue);
    queue.delete = (handle) => (deleteRequests.push(1), single(handle));
    queue.deleteMany = (handles) => (deleteRequests.push(handles.length), many(handles));
    try {
      const ids = await Promise.all(open.map(async ({ sessionId }) => [sessionId, await newCommand(sessionId)] as const));
      await Promise.all(ids.map(([sessionId, commandId]) => slotQueues.send(0, envelope(sessionId, commandId))));

      await eventually(async () => {
        const statuses = await Promise.all(ids.map(([sessionId, commandId]) => statusOf(sessionId, commandId)));
        return statuses.every((status) => status === 'sent');
      }, 'every command to be sent');
      await eventually(async () => deleteRequests.reduce((a, b) => a + b, 0) === ids.length, 'every message deleted');

      const depth = await queue.depth();
      expect(depth.visible + depth.inFlight).toBe(0);
      expect(deleteRequests.length).toBeLessThanOrEqual(ids.length);
      expect(open.map(({ connection }) => connection.sent.length)).toEqual([1, 1, 1, 1]);
    } finally {
      queue.delete = single;
      queue.deleteMany = many;
    }
  });

  it('sends once when SQS delivers the same command twice', async () => {
    startRunner();
    const { sessionId, connection } = await openSession();
    const commandId = await newCommand(sessionId);
    const body = JSON.stringify(envelope(sessionId, commandId));
    const queue = slotQueues.queue(0);
    await queue.send({ body, groupId: sessionId, deduplicationId: `${commandId}-a` });
    await queue.send({ body, groupId: sessionId, deduplicationId: `${commandId}-b` });

    await eventually(async () => (await queue.depth()).visible + (await queue.depth()).inFlight === 0 || undefined, 'both messages handled');
    expect(await statusOf(sessionId, commandId)).toBe('sent');
    expect(connection.sent).toHaveLength(1);
  });

  it('fails an expired command as expired without sending it', async () => {
    startRunner();
    const { sessionId, connection } = await openSession();
    const commandId = await newCommand(sessionId, { notAfter: new Date(Date.now() - 1_000).toISOString() });
    await slotQueues.send(0, envelope(sessionId, commandId));

    await eventually(async () => (await statusOf(sessionId, commandId)) === 'failed', 'the command to fail');
    const record = (await commands.get(TENANT, sessionId, commandId))!;
    expect(record.failure).toMatchObject({ code: 'expired' });
    expect(connection.sent).toHaveLength(0);
  });

  it('forwards a command for a session owned on another slot, and leaves it queued', async () => {
    startRunner();
    const sessionId = newId();
    await sessions.create({ tenantId: TENANT, sessionId, pacing: DEFAULT_PACING });
    await sessions.updateFromOwner(TENANT, sessionId, 3, { slot: 1, ownerRunnerId: 'runner-other', status: 'open' });
    const commandId = await newCommand(sessionId);
    await slotQueues.send(0, envelope(sessionId, commandId));

    const forwarded = await eventually(async () => (await slotQueues.queue(1).receive({ waitSeconds: 1 }))[0], 'the forwarded message on slot 1');
    expect(JSON.parse(forwarded.body)).toEqual({ ...envelope(sessionId, commandId), hops: 1 });
    expect(await statusOf(sessionId, commandId)).toBe('queued');
    await slotQueues.queue(1).delete(forwarded.receiptHandle);
  });

  it('re-drives queued commands in order when the session opens, and drops a poison message', async () => {
    startRunner();
    const sessionId = newId();
    await sessions.create({ tenantId: TENANT, sessionId, pacing: { perMinute: 120, burst: 60, jitterMs: 0 } });
    const first = await newCommand(sessionId);
    const second = await newCommand(sessionId);
    await slotQueues.queue(0).send({ body: '{"not":"an envelope"', groupId: 'poison', deduplicationId: newId() });

    void host.open(ownedSession({ tenantId: TENANT, sessionId, slot: 0 }));
    const connection = await eventually(async () => connector.connections.at(-1), 'a connection');
    expect(await statusOf(sessionId, first)).toBe('queued');
    connection.open();

    await eventually(async () => (await statusOf(sessionId, second)) === 'sent', 'the re-driven commands to be sent');
    expect(connection.sent.map((m) => m.options.messageId)).toEqual([waMessageIdFor(first), waMessageIdFor(second)]);
    await eventually(async () => (await slotQueues.queue(0).depth()).visible + (await slotQueues.queue(0).depth()).inFlight === 0 || undefined, 'the poison message to be deleted');
  });

  it('lets exactly one of two racing senders claim a command', async () => {
    startRunner();
    const { sessionId } = await openSession();
    const commandId = await newCommand(sessionId);
    const record = (await commands.get(TENANT, sessionId, commandId))!;
    const sends: string[] = [];
    const target = (name: string) => {
      const connection = new FakeConnection(connector.last.listener);
      connection.sendImpl = async () => void sends.push(name);
      return {
      tenantId: TENANT,
      sessionId,
      readiness: () => 'open' as const,
      connectionForCommands: () => connection,
      requestPairingCode: async () => '',
      logout: async () => {},
      pacing: () => DEFAULT_PACING,
      refreshRecord: async () => undefined,
      };
    };
    const executor = new CommandExecutor({ commands, events: new SqsEventPublisher(eventsQueue), clock: systemClock, logger: silentLogger, config: DEFAULT_EXECUTOR_CONFIG });
    const context = () => ({ pacer: new Pacer({ perMinute: 120, burst: 10, jitterMs: 0 }, systemClock), signal: new AbortController().signal, interrupted: new Set<string>(), ownerEpoch: 1 });
    const outcomes = await Promise.all([executor.run(target('a'), record, context()), executor.run(target('b'), record, context())]);
    expect(outcomes.sort()).toEqual(['duplicate', 'sent']);
    expect(sends).toHaveLength(1);
  });

  it('retries a send its sender abandoned mid-way with the same WhatsApp id', async () => {
    startRunner();
    const sessionId = newId();
    await sessions.create({ tenantId: TENANT, sessionId, pacing: { perMinute: 120, burst: 60, jitterMs: 0 } });
    const past: Clock = { now: () => Date.now() - 10 * 60_000, monotonic: () => 0 };
    const commandId = await newCommand(sessionId, { clock: past });
    const oldRepo = new CommandRepository(openTable(aws.clients.doc, 'commands', aws.env), past);
    const claimed: CommandRecord | undefined = await oldRepo.transition(TENANT, sessionId, commandId, 'sending', { keepPending: true });
    expect(claimed?.status).toBe('sending');

    void host.open(ownedSession({ tenantId: TENANT, sessionId, slot: 0 }));
    (await eventually(async () => connector.connections.at(-1), 'a connection')).open();

    await eventually(async () => (await statusOf(sessionId, commandId)) === 'sent', 'the abandoned send to be retried');
    const record = (await commands.get(TENANT, sessionId, commandId))!;
    expect(record.trail.map((t) => t.status)).toEqual(['queued', 'sending', 'sending', 'sent']);
    expect(connector.last.sent[0]?.options.messageId).toBe(waMessageIdFor(commandId));
    expect((await commands.listQueued(TENANT, sessionId, { limit: 10 })).items).toEqual([]);
  });
});
