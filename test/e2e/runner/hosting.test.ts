// Hosting end to end, in one process: the session host and command loop as the runner wires them, the real
// Baileys adapter talking to the WhatsApp simulator, auth state on DynamoDB/S3 (part 1's), commands and
// events through the emulated SQS queues. Pairing goes through the QR the actor writes to the session record.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoTable } from '../../../core/aws/dynamo-table.ts';
import { S3BlobStore } from '../../../core/aws/s3-blob-store.ts';
import { SqsQueue } from '../../../core/aws/sqs-queue.ts';
import { openTable } from '../../../core/aws/tables.ts';
import { systemClock } from '../../../core/clock.ts';
import { CommandRepository } from '../../../core/commands/command-repository.ts';
import { SlotQueues } from '../../../core/commands/slot-queues.ts';
import type { AnyEvent } from '../../../core/domain/event.ts';
import type { SessionRecord } from '../../../core/domain/session.ts';
import { SqsEventPublisher } from '../../../core/events/event-publisher.ts';
import { newId, waMessageIdFor } from '../../../core/ids.ts';
import { tables } from '../../../core/resources.ts';
import { SessionRepository } from '../../../core/sessions/session-repository.ts';
import { WaSimulator } from '../../../local/wa-simulator/simulator.ts';
import { installSimulatorTrustAnchor } from '../../../socket-runner/whatsapp/simulator-trust-anchor.ts';
import { openAuthState, purgeAuthState, type AuthStateDeps } from '../../../socket-runner/auth/dynamodb-auth-state.ts';
import { createCommandLoop, type CommandLoop } from '../../../socket-runner/commands/command-loop.ts';
import { BufferedEventPublisher } from '../../../socket-runner/events/buffered-event-publisher.ts';
import { createSessionHost, type HostedSessions } from '../../../socket-runner/session/session-host.ts';
import { baileysConnectionFactory } from '../../../socket-runner/whatsapp/baileys-connection.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';
import { ownedSession, silentLogger } from '../../unit/socket-runner/session/fakes.ts';

const TENANT = 'tenant-e2e';
const CONTACT = '4915550009001';

let sim: WaSimulator;
let aws: AwsFixture;
let sessions: SessionRepository;
let commands: CommandRepository;
let slotQueues: SlotQueues;
let eventsQueue: SqsQueue;
let authTable: DynamoTable;
let host: HostedSessions;
let loop: CommandLoop;
let events: BufferedEventPublisher;
const seen: AnyEvent[] = [];

async function eventually<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function record(sessionId: string): Promise<SessionRecord | undefined> {
  return sessions.get(TENANT, sessionId);
}

/** Everything published so far (the events queue drained into `seen`). */
async function published(): Promise<AnyEvent[]> {
  for (;;) {
    const messages = await eventsQueue.receive({ waitSeconds: 0, maxMessages: 10 });
    if (!messages.length) return seen;
    seen.push(...messages.map((m) => JSON.parse(m.body) as AnyEvent));
    await eventsQueue.deleteMany(messages.map((m) => m.receiptHandle));
  }
}

/** Creates a session, hosts it, and pairs it by scanning the QR the actor wrote to the record. */
async function pairedSession(phone: string) {
  const sessionId = newId();
  await sessions.create({ tenantId: TENANT, sessionId, pacing: { perMinute: 120, burst: 10, jitterMs: 0 } });
  await sessions.updateFromOwner(TENANT, sessionId, 1, { slot: 0, ownerRunnerId: 'runner-e2e' });
  const owned = ownedSession({ tenantId: TENANT, sessionId, slot: 0, epoch: 1 });
  void host.open(owned);
  const qr = await eventually(async () => (await record(sessionId))?.qr, 'the QR on the session record');
  await sim.scan(qr, phone);
  await eventually(async () => (await record(sessionId))?.status === 'open', 'the session to open after the scan');
  return { sessionId, owned };
}

beforeAll(async () => {
  vi.stubEnv('WA_SIMULATOR', 'true');
  sim = await new WaSimulator().start();
  installSimulatorTrustAnchor(sim.rootPublicKey);
  aws = await provisionedAws({ slotCount: 1 });
  sessions = new SessionRepository(openTable(aws.clients.doc, 'sessions', aws.env), systemClock);
  commands = new CommandRepository(openTable(aws.clients.doc, 'commands', aws.env), systemClock);
  slotQueues = new SlotQueues(aws.clients.sqs, aws.env.COMMANDS_QUEUE_URL_TEMPLATE!, 1);
  eventsQueue = new SqsQueue(aws.clients.sqs, aws.env.EVENTS_QUEUE_URL!);
  authTable = new DynamoTable(aws.clients.doc, aws.env[tables.auth.envVar]!, tables.auth);
  const authDeps: AuthStateDeps = {
    table: authTable,
    blobs: new S3BlobStore(aws.clients.s3, aws.env.CREDENTIALS_BUCKET!),
    clock: systemClock,
    logger: silentLogger,
  };
  events = new BufferedEventPublisher(new SqsEventPublisher(eventsQueue), silentLogger);
  host = createSessionHost({
    sessions,
    commands,
    events,
    auth: {
      open: (owned) => openAuthState(authDeps, owned),
      purge: async (tenantId, sessionId) => void (await purgeAuthState(authDeps, tenantId, sessionId)),
    },
    connect: baileysConnectionFactory({ waWebSocketUrl: sim.url }),
    clock: systemClock,
    logger: silentLogger,
    config: { actor: { dormantPollMs: 500 } },
  });
  loop = createCommandLoop({
    queues: slotQueues,
    lanes: host,
    ownership: { ownerSlotOf: async () => 0 },
    clock: systemClock,
    logger: silentLogger,
    config: { waitSeconds: 1 },
  });
  loop.start(0);
}, 60_000);

afterAll(async () => {
  await loop?.stop();
  await Promise.all((host?.hosted() ?? []).map((id) => host.close(id, 'shutdown')));
  await events?.close(2_000);
  await sim?.stop();
  aws?.close();
  vi.unstubAllEnvs();
});

// Bring-ups are CPU-heavy (812 prekeys per pairing): generous bounds for a loaded 2-core machine.
describe('hosting with real Baileys against the simulator', { timeout: 120_000 }, () => {
  it('pairs through the recorded QR, sends a message that is delivered, and publishes an inbound one', async () => {
    const phone = '4915550001101';
    const { sessionId } = await pairedSession(phone);
    expect(await record(sessionId)).toMatchObject({ status: 'open', phoneNumber: phone });
    expect((await record(sessionId))?.qr).toBeUndefined();

    const commandId = newId();
    await commands.create({
      tenantId: TENANT,
      sessionId,
      commandId,
      type: 'send_message',
      payload: { type: 'text', text: 'hello from wa-fleet', to: `${CONTACT}@s.whatsapp.net` },
      notAfter: new Date(Date.now() + 600_000).toISOString(),
    });
    await slotQueues.send(0, { v: 1, tenantId: TENANT, sessionId, commandId });

    const received = await eventually(() => sim.received(CONTACT).find((m) => m.text === 'hello from wa-fleet'), 'the contact to receive it');
    expect(received.id).toBe(waMessageIdFor(commandId));
    await eventually(async () => (await commands.get(TENANT, sessionId, commandId))?.status === 'delivered', 'the delivery receipt');

    await sim.inbound(CONTACT, phone, 'hi runner');
    const inbound = await eventually(
      async () => (await published()).find((e) => e.type === 'message.received' && e.sessionId === sessionId),
      'message.received on the events queue',
    );
    expect(inbound.data).toMatchObject({ from: CONTACT, chat: CONTACT, type: 'text', text: 'hi runner' });
    const types = (await published()).filter((e) => e.sessionId === sessionId).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['session.qr', 'session.status', 'message.status', 'message.received']));
  });

  it('does not fight a 440: stopped with a reason, no second socket', async () => {
    const phone = '4915550001102';
    const { sessionId } = await pairedSession(phone);
    const loginsBefore = sim.stats().totals.logins;
    sim.conflict(phone);
    await eventually(async () => (await record(sessionId))?.status === 'stopped', 'the session to stop');
    expect(await record(sessionId)).toMatchObject({ statusReason: 'connection_replaced', lastDisconnect: { code: 440 } });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(sim.stats().totals.logins).toBe(loginsBefore);
    expect(sim.stats().totals.overlaps).toBe(0);
  });

  it('ends a 401 in needs_pairing with the stale credentials purged', async () => {
    const phone = '4915550001103';
    const { sessionId } = await pairedSession(phone);
    sim.logout(phone);
    await eventually(async () => (await record(sessionId))?.status === 'needs_pairing', 'needs_pairing');
    expect((await record(sessionId))?.statusReason).toBe('logged_out');
    const authItems = await authTable.queryAll({ partition: `${TENANT}#${sessionId}`, consistent: true });
    expect(authItems).toEqual([]);
    const needsPairing = await eventually(
      async () => (await published()).find((e) => e.type === 'session.needs_pairing' && e.sessionId === sessionId),
      'session.needs_pairing event',
    );
    expect(needsPairing.data).toMatchObject({ reason: 'logged_out', disconnectCode: 401 });
  });

  it('pairs by a pairing code requested as a command, then logs out and purges the session when it is deleted', async () => {
    const phone = '4915550001104';
    const sessionId = newId();
    await sessions.create({ tenantId: TENANT, sessionId, pacing: { perMinute: 120, burst: 10, jitterMs: 0 } });
    void host.open(ownedSession({ tenantId: TENANT, sessionId, slot: 0, epoch: 1 }));
    await eventually(async () => (await record(sessionId))?.status === 'qr', 'the session to wait for pairing');

    const commandId = newId();
    await commands.create({
      tenantId: TENANT,
      sessionId,
      commandId,
      type: 'request_pairing_code',
      payload: { phoneNumber: phone },
      notAfter: new Date(Date.now() + 120_000).toISOString(),
    });
    await slotQueues.send(0, { v: 1, tenantId: TENANT, sessionId, commandId });
    const code = await eventually(async () => (await commands.get(TENANT, sessionId, commandId))?.result?.code as string | undefined, 'the pairing code');
    expect((await record(sessionId))?.pairingCode).toBe(code);
    await sim.enterPairingCode(phone, code);
    await eventually(async () => (await record(sessionId))?.status === 'open', 'the session to open after the code');
    expect((await record(sessionId))?.phoneNumber).toBe(phone);

    await sessions.markDeleted(TENANT, sessionId);
    await host.close(sessionId, 'deleted');
    await sim.waitForDevice(phone, 'removed', 30_000);
    expect(await record(sessionId)).toBeUndefined();
    expect(await authTable.queryAll({ partition: `${TENANT}#${sessionId}`, consistent: true })).toEqual([]);
    expect(host.hosted()).not.toContain(sessionId);
  });
});
