// Ownership end to end: socket-runner/main.ts as real child processes (leases, placement, drain, auth state
// on DynamoDB, part 2's host and command loop, real Baileys) against the WhatsApp simulator and the
// emulators. A session paired once survives a SIGTERM handover (a peer resumes it at once, no QR) and a
// SIGKILL (a peer takes over after the lease expires, no QR), with the epoch rising by one each time and,
// per the simulator, never two live connections of the device at once. A message sent afterwards is
// delivered by the new owner.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTable } from '../../../core/aws/tables.ts';
import { systemClock } from '../../../core/clock.ts';
import { CommandRepository } from '../../../core/commands/command-repository.ts';
import { SlotQueues } from '../../../core/commands/slot-queues.ts';
import type { SessionRecord } from '../../../core/domain/session.ts';
import { newId, waMessageIdFor } from '../../../core/ids.ts';
import { SessionRepository } from '../../../core/sessions/session-repository.ts';
import { WaSimulator } from '../../../local/wa-simulator/simulator.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';

const TENANT = 'tenant-failover';
const PHONE = '4915550002201';
const CONTACT = '4915550002299';
const TSX = import.meta.resolve('tsx');
const PRELOAD = new URL('../../../local/wa-simulator/preload.ts', import.meta.url).pathname;
const MAIN = new URL('../../../socket-runner/main.ts', import.meta.url).pathname;
// Shorter than production (30 : 5 : 15 s) to keep the SIGKILL wait short, with room for Baileys bring-ups
// stalling a loaded machine's event loop (a stall past the self-fence bound rightly drops every lease).
const LEASE = { LEASE_DURATION_MS: '8000', LEASE_RENEW_MS: '1000', LEASE_SELF_FENCE_MS: '4000', DYNAMODB_REQUEST_TIMEOUT_MS: '2000' };

interface RunnerProcess {
  readonly id: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

let sim: WaSimulator;
let aws: AwsFixture;
let sessions: SessionRepository;
const processes: RunnerProcess[] = [];

function startRunner(id: string): RunnerProcess {
  const child = spawn(process.execPath, ['--import', TSX, '--import', PRELOAD, MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      ...aws.env,
      ...LEASE,
      RUNNER_ID: id,
      HEALTH_PORT: '0',
      LOG_LEVEL: process.env.RUNNER_LOG_LEVEL ?? 'ERROR',
      WA_SIMULATOR: 'true',
      WA_SIM_ROOT_PUBLIC_KEY: sim.rootPublicKey.toString('base64'),
      WA_WEB_SOCKET_URL: sim.url,
      PLACEMENT_INTERVAL_MS: '250',
      HEARTBEAT_MS: '750',
      RUNNER_TTL_MS: '3000',
      SLOT_RETRY_MS: '250',
      DRAIN_BUDGET_MS: '15000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const started = { id, child, exited: once(child, 'exit').then(([code]) => code as number | null) };
  processes.push(started);
  return started;
}

async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The record once it is open under an owner other than `previous` (and, if given, at `epoch`). */
function openUnderNewOwner(sessionId: string, previous: string): Promise<SessionRecord> {
  return eventually(async () => {
    const record = await sessions.get(TENANT, sessionId);
    return record?.status === 'open' && record.ownerRunnerId && record.ownerRunnerId !== previous ? record : undefined;
  }, `session open under an owner other than ${previous}`);
}

beforeAll(async () => {
  vi.stubEnv('WA_SIMULATOR', 'true');
  sim = await new WaSimulator().start();
  aws = await provisionedAws({ slotCount: 3 });
  sessions = new SessionRepository(openTable(aws.clients.doc, 'sessions', aws.env), systemClock);
}, 60_000);

afterAll(async () => {
  for (const runner of processes) runner.child.kill('SIGKILL');
  await Promise.all(processes.map((runner) => runner.exited));
  await sim?.stop();
  aws?.close();
  vi.unstubAllEnvs();
});

describe('runner failover with real processes, real Baileys and the simulator', () => {
  it('keeps one paired session alive through a SIGTERM handover and a SIGKILL, without a QR or a second socket', { timeout: 180_000 }, async () => {
    const runners = new Map([startRunner('runner-a'), startRunner('runner-b')].map((r) => [r.id, r]));
    const sessionId = newId();
    await sessions.create({ tenantId: TENANT, sessionId, pacing: { perMinute: 120, burst: 10, jitterMs: 0 } });

    // Pair once, through the QR the owning runner writes to the record.
    const qr = await eventually(async () => (await sessions.get(TENANT, sessionId))?.qr, 'a QR on the session record', 60_000);
    await sim.scan(qr, PHONE);
    const first = await eventually(async () => {
      const record = await sessions.get(TENANT, sessionId);
      return record?.status === 'open' ? record : undefined;
    }, 'the paired session to open');
    expect(sim.stats().totals.pairings).toBe(1);

    // SIGTERM the owner: it hands the session over; the peer resumes it with the stored credentials.
    const owner = runners.get(first.ownerRunnerId as string) as RunnerProcess;
    owner.child.kill('SIGTERM');
    expect(await owner.exited).toBe(0);
    const handedOverAt = Date.now();
    const second = await openUnderNewOwner(sessionId, owner.id);
    expect(Date.now() - handedOverAt).toBeLessThan(Number(LEASE.LEASE_DURATION_MS)); // released, not expired
    expect(second.epoch).toBe((first.epoch as number) + 1);

    // A replacement joins; SIGKILL the current owner: no handover, the lease must expire first.
    startRunner('runner-c');
    const survivor = runners.get(second.ownerRunnerId as string) as RunnerProcess;
    survivor.child.kill('SIGKILL');
    await survivor.exited;
    const third = await openUnderNewOwner(sessionId, survivor.id);
    expect(third.ownerRunnerId).toBe('runner-c');
    expect(third.epoch).toBe((second.epoch as number) + 1);

    expect(sim.stats().totals.pairings).toBe(1); // never a new QR
    expect(sim.stats().totals.overlaps).toBe(0); // never two live sockets for the device

    // The new owner delivers a message sent to its slot, as the API would send it.
    const commands = new CommandRepository(openTable(aws.clients.doc, 'commands', aws.env), systemClock);
    const commandId = newId();
    await commands.create({
      tenantId: TENANT,
      sessionId,
      commandId,
      type: 'send_message',
      payload: { type: 'text', text: 'after two failovers', to: `${CONTACT}@s.whatsapp.net` },
      notAfter: new Date(Date.now() + 600_000).toISOString(),
    });
    await new SlotQueues(aws.clients.sqs, aws.env.COMMANDS_QUEUE_URL_TEMPLATE as string, 3).send(third.slot as number, {
      v: 1,
      tenantId: TENANT,
      sessionId,
      commandId,
    });
    const received = await eventually(async () => sim.received(CONTACT).find((m) => m.text === 'after two failovers'), 'the contact to receive it');
    expect(received.id).toBe(waMessageIdFor(commandId));
  });
});
