/**
 * The invariants every fault run is held to, checked while it plays (sampling) and at its end:
 * 1. never two live sockets for one session — the simulator's overlap count (a login while another
 *    socket of the same device is authenticated and open) stays 0, except where a scenario freezes a
 *    process: its sockets stay open while it is stopped, and the simulator replaces them with 440 at the
 *    new owner's login, exactly as WhatsApp does; those are counted and reported, never more than the
 *    frozen runner held;
 * 2. epochs only rise — each session's lease epoch, the epoch stamped on its creds and on its record,
 *    sampled every `intervalMs`, never decrease;
 * 3. credentials never roll back — a deposed owner's creds write would stamp its older epoch (2.), and
 *    every session still logs in with its stored creds at the end (4.);
 * 4. every live session is owned again within the bound — all devices online, records owned by a live
 *    runner;
 * 5. every accepted command ends sent, failed or dead-lettered;
 * 6. at most one WhatsApp message per command — no message id reaches the simulator twice, and every id
 *    it received belongs to an accepted command.
 */
import { systemClock } from '../core/clock.ts';
import { CommandRepository } from '../core/commands/command-repository.ts';
import type { CommandStatus } from '../core/domain/command.ts';
import { commandIdFromWaMessageId } from '../core/ids.ts';
import { queueUrlFromEnv } from '../core/resource-config.ts';
import { queues, slotQueueUrl } from '../core/resources.ts';
import { SqsQueue } from '../core/aws/sqs-queue.ts';
import { authPartition, CREDS_SK } from '../socket-runner/auth/auth-store.ts';
import { sessionLeaseKey } from '../socket-runner/lease/lease-records.ts';
import type { ChaosCluster } from './cluster.ts';

const TERMINAL: ReadonlySet<CommandStatus> = new Set(['sent', 'delivered', 'read', 'failed']);

export class EpochWatch {
  readonly violations: string[] = [];
  private readonly last = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  samples = 0;

  constructor(private readonly cluster: ChaosCluster) {}

  start(intervalMs = 250): void {
    const tick = () => {
      this.running = this.sample()
        .catch(() => undefined) // an emulator hiccup is not a violation; the next sample reads again
        .finally(() => {
          if (this.timer !== undefined) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.sample();
  }

  private async sample(): Promise<void> {
    const { world, sessions, tenant } = this.cluster;
    const [leases, creds, records] = await Promise.all([
      world.table('leases').getMany(sessions.map((s) => ({ ...sessionLeaseKey(tenant.tenantId, s.sessionId) }))),
      world.table('auth').getMany(sessions.map((s) => ({ pk: authPartition(tenant.tenantId, s.sessionId), sk: CREDS_SK }))),
      world.table('sessions').getMany(sessions.map((s) => ({ pk: tenant.tenantId, sk: s.sessionId }))),
    ]);
    this.samples++;
    for (const item of leases) this.observe(`lease ${String(item.pk).split('#')[1]}`, item.epoch);
    for (const item of creds) this.observe(`creds ${String(item.pk).split('#')[1]}`, item.epoch);
    for (const item of records) this.observe(`record ${String(item.sk)}`, item.epoch);
  }

  private observe(what: string, epoch: unknown): void {
    if (typeof epoch !== 'number') return;
    const previous = this.last.get(what);
    if (previous !== undefined && epoch < previous) this.violations.push(`epochs only rise: ${what} went from epoch ${previous} to ${epoch}`);
    this.last.set(what, Math.max(epoch, previous ?? epoch));
  }
}

export interface FinalReport {
  readonly violations: string[];
  readonly recoveredInMs: number | undefined;
  readonly commands: Record<string, number>;
  readonly overlaps: number;
  readonly messagesReceived: number;
}

/** Waits for recovery and settles every command, then checks invariants 1, 4, 5 and 6. */
export async function finalChecks(
  cluster: ChaosCluster,
  input: { readonly healedAt: number; readonly boundMs: number; readonly overlapsBefore: Map<string, number>; readonly allowedOverlaps: number; readonly commandBoundMs: number },
): Promise<FinalReport> {
  const violations: string[] = [];
  const { sim } = cluster.options;

  // 4. owned again within the bound
  let recoveredInMs: number | undefined;
  const deadline = input.healedAt + input.boundMs;
  for (;;) {
    const owned = await ownedByLiveRunners(cluster);
    const online = await sim.online(cluster.phones);
    if (owned && online.length === cluster.phones.length) {
      recoveredInMs = Date.now() - input.healedAt;
      break;
    }
    if (Date.now() > deadline) {
      violations.push(`owned again within the bound: after ${Math.round(input.boundMs / 1000)} s, ${cluster.phones.length - online.length} of ${cluster.phones.length} sessions not online${owned ? '' : ', some records not owned by a live runner'}`);
      break;
    }
    await sleep(250);
  }

  // 5. every accepted command ends sent, failed or dead-lettered
  const repo = new CommandRepository(cluster.world.table('commands'), systemClock);
  const dead = await deadLettered(cluster);
  const statuses = new Map<string, string>();
  const commandDeadline = Date.now() + input.commandBoundMs;
  for (;;) {
    for (const command of cluster.accepted) {
      if (TERMINAL.has(statuses.get(command.commandId) as CommandStatus)) continue;
      const record = await repo.get(cluster.tenant.tenantId, command.sessionId, command.commandId);
      statuses.set(command.commandId, dead.has(command.commandId) ? 'dead-lettered' : (record?.status ?? 'missing'));
    }
    const open = cluster.accepted.filter((c) => !TERMINAL.has(statuses.get(c.commandId) as CommandStatus) && statuses.get(c.commandId) !== 'dead-lettered');
    if (open.length === 0) break;
    if (Date.now() > commandDeadline) {
      const sample = open.slice(0, 3).map((c) => `${c.commandId} ${statuses.get(c.commandId)}`);
      violations.push(`every accepted command ends sent, failed or dead-lettered: ${open.length} did not within ${Math.round(input.commandBoundMs / 1000)} s (${sample.join(', ')})`);
      break;
    }
    await sleep(500);
  }
  const commands: Record<string, number> = {};
  for (const status of statuses.values()) commands[status] = (commands[status] ?? 0) + 1;

  // 6. at most one WhatsApp message per command
  const acceptedIds = new Set(cluster.accepted.map((c) => c.commandId));
  const summary = await sim.receivedSummary();
  const ours = summary.duplicates.filter((d) => acceptedIds.has(commandIdFromWaMessageId(d.id) ?? ''));
  if (ours.length > 0) violations.push(`at most one WhatsApp message per command: ${ours.length} message ids reached WhatsApp more than once (e.g. ${ours[0]!.id} x${ours[0]!.count})`);
  const sent = cluster.accepted.filter((c) => sim.received.has(c.waMessageId)).length;
  const contacts = new Set([...cluster.sessions.map((session) => cluster.contactOf(session)), ...cluster.accepted.map((c) => c.to)]);
  const acceptedWaIds = new Set(cluster.accepted.map((c) => c.waMessageId));
  const strays = [...sim.received.values()].filter((r) => contacts.has(r.contact) && !acceptedWaIds.has(r.id));
  if (strays.length > 0) violations.push(`at most one WhatsApp message per command: ${strays.length} messages reached WhatsApp that belong to no accepted command (e.g. ${strays[0]!.id})`);

  // 1. never two live sockets
  const stats = await sim.stats();
  let overlaps = 0;
  for (const device of stats.devices) {
    if (!cluster.phones.includes(device.phone)) continue;
    overlaps += device.overlaps - (input.overlapsBefore.get(`${device.phone}:${device.deviceId}`) ?? 0);
  }
  if (overlaps > input.allowedOverlaps) {
    violations.push(`never two live sockets: the simulator counted ${overlaps} overlapping logins (allowed here: ${input.allowedOverlaps})`);
  }
  return { violations, recoveredInMs, commands, overlaps, messagesReceived: sent };
}

export async function overlapCounts(cluster: ChaosCluster): Promise<Map<string, number>> {
  const stats = await cluster.options.sim.stats();
  return new Map(stats.devices.map((d) => [`${d.phone}:${d.deviceId}`, d.overlaps]));
}

async function ownedByLiveRunners(cluster: ChaosCluster): Promise<boolean> {
  const live = new Set(cluster.live().map((m) => m.id));
  const records = await cluster.world.table('sessions').getMany(cluster.sessions.map((s) => ({ pk: cluster.tenant.tenantId, sk: s.sessionId })));
  return records.length === cluster.sessions.length && records.every((r) => live.has(String(r.ownerRunnerId ?? '')) && r.status === 'open');
}

/** Command ids whose envelopes sit in a slot's dead-letter queue. */
async function deadLettered(cluster: ChaosCluster): Promise<Set<string>> {
  const ids = new Set<string>();
  const template = queueUrlFromEnv(queues.commandsDlq, cluster.world.env);
  const slots = Number(cluster.world.env.SLOT_COUNT);
  for (let slot = 0; slot < slots; slot++) {
    const dlq = new SqsQueue(cluster.world.clients.sqs, slotQueueUrl(template, slot));
    for (;;) {
      const batch = await dlq.receive({ maxMessages: 10, waitSeconds: 0, visibilityTimeoutSeconds: 300 });
      if (batch.length === 0) break;
      for (const message of batch) {
        try {
          const envelope = JSON.parse(message.body) as { commandId?: string };
          if (envelope.commandId) ids.add(envelope.commandId);
        } catch {
          // a poison message: not a command
        }
      }
    }
  }
  return ids;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
