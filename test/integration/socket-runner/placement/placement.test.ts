import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTable } from '../../../../core/aws/tables.ts';
import { systemClock } from '../../../../core/clock.ts';
import { DEFAULT_PACING } from '../../../../core/domain/session.ts';
import { newId } from '../../../../core/ids.ts';
import { SessionRepository } from '../../../../core/sessions/session-repository.ts';
import { FencedError } from '../../../../socket-runner/contracts.ts';
import { sessionLeaseKey, slotLeaseKey } from '../../../../socket-runner/lease/lease-records.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';
import { eventually, HostingLedger, leaseTimings, placementConfig, startRunner, stopRunners, type TestRunner } from './runner-harness.ts';

const TENANT = 'tenant-p';

describe('placement and drain, two runners in one process', () => {
  let aws: AwsFixture;
  let sessions: SessionRepository;
  let ledger: HostingLedger;
  let runners: TestRunner[];

  beforeEach(async () => {
    aws = await provisionedAws({ slotCount: 2 });
    sessions = new SessionRepository(openTable(aws.clients.doc, 'sessions', aws.env), systemClock);
    ledger = new HostingLedger();
    runners = [];
  });
  afterEach(async () => {
    await stopRunners(runners);
    aws.close();
    expect(ledger.violations).toEqual([]);
  });

  async function createSessions(count: number): Promise<string[]> {
    const ids = Array.from({ length: count }, () => newId());
    for (const sessionId of ids) await sessions.create({ tenantId: TENANT, sessionId, pacing: DEFAULT_PACING });
    return ids;
  }

  function start(id: string, options: Parameters<typeof startRunner>[3] = {}): TestRunner {
    const runner = startRunner(aws, id, ledger, options);
    runners.push(runner);
    return runner;
  }

  const hostedCounts = () => runners.map((r) => r.host.hosted().length);

  it('splits sessions evenly between two runners, each hosted once, bring-ups bounded', async () => {
    const ids = await createSessions(12);
    const [a, b] = [start('runner-a', { bringUpMs: 200 }), start('runner-b', { bringUpMs: 200 })];
    await eventually('a 6/6 split', () => hostedCounts().join() === '6,6');
    const all = [...(a as TestRunner).host.hosted(), ...(b as TestRunner).host.hosted()].sort();
    expect(all).toEqual([...ids].sort());
    for (const runner of [a, b] as TestRunner[]) {
      expect(runner.host.maxInFlight).toBeLessThanOrEqual(placementConfig.startConcurrency);
      expect(runner.host.maxInFlight).toBeGreaterThanOrEqual(2); // it did start several at once
      expect(runner.commands.slots).toHaveLength(1);
    }
    expect(new Set(runners.map((r) => r.commands.slots[0]))).toEqual(new Set([0, 1]));
    // The record names the owner and its slot, for forwarding.
    const record = await sessions.get(TENANT, (a as TestRunner).host.hosted()[0] as string);
    expect(record).toMatchObject({ ownerRunnerId: 'runner-a', slot: (a as TestRunner).commands.slots[0] });
  });

  it('hands sessions over one at a time when a runner joins, each moving with epoch + 1', async () => {
    await createSessions(8);
    const handedOver: string[] = [];
    const unclaimedAtNextHandover: string[] = [];
    const a = start('runner-a', {
      onClose: async (sessionId, reason) => {
        if (reason !== 'handover') return;
        // One at a time: the previous session handed over must have been claimed before the next goes.
        for (const previous of handedOver) {
          const lease = await a.leases.read(sessionLeaseKey(TENANT, previous));
          if (lease?.owner !== 'runner-b') unclaimedAtNextHandover.push(previous);
        }
        handedOver.push(sessionId);
      },
    });
    await eventually('runner-a holds all 8', () => a.host.hosted().length === 8);
    const epochsBefore = new Map(a.host.hosted().map((id) => [id, a.host.epochOf(id) as number]));

    const b = start('runner-b');
    await eventually('a 4/4 split', () => hostedCounts().join() === '4,4');
    expect(handedOver).toHaveLength(4);
    expect(unclaimedAtNextHandover).toEqual([]);
    expect([...b.host.hosted()].sort()).toEqual([...handedOver].sort());
    for (const sessionId of b.host.hosted()) expect(b.host.epochOf(sessionId)).toBe((epochsBefore.get(sessionId) as number) + 1);
  });

  it('drains on stop: closes, releases keeping the epoch, and a peer resumes them at once with epoch + 1', async () => {
    await createSessions(6);
    const leaseOwnerAtClose: (string | undefined)[] = [];
    const a = start('runner-a', {
      closeMs: 50,
      onClose: async (sessionId) => {
        leaseOwnerAtClose.push((await a.leases.read(sessionLeaseKey(TENANT, sessionId)))?.owner);
      },
    });
    const b = start('runner-b');
    await eventually('a 3/3 split', () => hostedCounts().join() === '3,3');
    const fromA = new Map(a.host.hosted().map((id) => [id, a.host.epochOf(id) as number]));
    const slotOfA = a.commands.slots[0] as number;

    const [closesBefore, ownersBefore] = [a.host.closes.length, leaseOwnerAtClose.length];
    const stoppedAt = Date.now();
    const report = await a.runner.stop();
    expect(report).toEqual({ released: 3, remaining: 0, withinBudget: true });
    expect(a.host.closes.slice(closesBefore).map((c) => c.reason)).toEqual(['shutdown', 'shutdown', 'shutdown']);
    expect(leaseOwnerAtClose.slice(ownersBefore)).toEqual(['runner-a', 'runner-a', 'runner-a']); // closed before released
    expect(a.commands.stops).toBe(1);
    for (const sessionId of fromA.keys()) {
      const lease = await a.leases.read(sessionLeaseKey(TENANT, sessionId));
      expect(lease?.owner === undefined || lease.owner === 'runner-b').toBe(true);
    }
    expect(await a.leases.read(slotLeaseKey(slotOfA))).toMatchObject({ epoch: 1 });
    expect((await a.leases.read(slotLeaseKey(slotOfA)))?.owner).toBeUndefined();

    await eventually('runner-b holds all 6', () => b.host.hosted().length === 6);
    expect(Date.now() - stoppedAt).toBeLessThan(leaseTimings.durationMs); // released, not expired
    for (const [sessionId, epoch] of fromA) expect(b.host.epochOf(sessionId)).toBe(epoch + 1);
    runners = runners.filter((r) => r !== a);
  });

  it('a partitioned runner self-fences; its peer takes over only after L, never hosting twice', async () => {
    await createSessions(4);
    const a = start('runner-a');
    const b = start('runner-b');
    await eventually('a 2/2 split', () => hostedCounts().join() === '2,2');
    const fromA = new Map(a.host.hosted().map((id) => [id, a.host.epochOf(id) as number]));

    const cutAt = Date.now();
    a.faults.rule = () => 'fail'; // runner-a can no longer reach DynamoDB at all
    await eventually('runner-a self-fenced', () => a.host.hosted().length === 0, 3_000);
    expect(Date.now() - cutAt).toBeLessThanOrEqual(leaseTimings.selfFenceMs + 300);
    await eventually('runner-b took over', () => b.host.hosted().length === 4);
    // L counts from when runner-b first saw runner-a's last token, which runner-a wrote at most one renewal
    // period before the cut; the ledger (checked after each test) proves runner-a had let go by then.
    expect(Date.now() - cutAt).toBeGreaterThanOrEqual(leaseTimings.durationMs - leaseTimings.renewMs);
    for (const [sessionId, epoch] of fromA) expect(b.host.epochOf(sessionId)).toBe(epoch + 1);
  });

  it("starts observing a silent peer's leases once its heartbeat is late, so takeover comes L after that, not after its TTL", async () => {
    await createSessions(4);
    const runnerTtlMs = 2_000; // far above placementConfig.suspectAfterMs
    const a = start('runner-a', { runnerTtlMs });
    const b = start('runner-b', { runnerTtlMs });
    await eventually('a 2/2 split', () => hostedCounts().join() === '2,2');

    const cutAt = Date.now();
    a.faults.rule = () => 'fail'; // runner-a falls silent: no heartbeat, no renewal (as if killed)
    await eventually('runner-b took over', () => b.host.hosted().length === 4);
    const takeoverMs = Date.now() - cutAt;
    expect(takeoverMs).toBeGreaterThanOrEqual(leaseTimings.durationMs - leaseTimings.renewMs); // D4 still holds
    // Observing only after the TTL would take at least TTL + L.
    expect(takeoverMs).toBeLessThan(runnerTtlMs + leaseTimings.durationMs - 500);
  });

  it('takes over a drained peer at the handover rate within a watch period, while cold claims keep the start rate', async () => {
    await createSessions(6);
    // runner-b runs full rounds only every 3 s and starts at most one cold claim per second.
    const slow = { intervalMs: 3_000, startRatePerSec: 1, handoverRatePerSec: 50 };
    const a = start('runner-a');
    const b = start('runner-b', { placement: slow });
    await eventually('a 3/3 split', () => hostedCounts().join() === '3,3');

    await a.runner.stop();
    const releasedAt = Date.now();
    await eventually('runner-b holds all 6', () => b.host.hosted().length === 6, 4_000);
    // Waiting for the next round would take up to 3 s, and claiming at the cold rate at least 2 s.
    expect(Date.now() - releasedAt).toBeLessThan(1_500);
    runners = runners.filter((r) => r !== a);

    await createSessions(3);
    const coldFrom = Date.now();
    await eventually('runner-b holds the 3 new ones', () => b.host.hosted().length === 9, 15_000);
    expect(Date.now() - coldFrom).toBeGreaterThanOrEqual(1_900); // 3 cold claims at 1/s: t, t + 1 s, t + 2 s
  });

  it('takes back a session it handed over when the peer that should take it falls silent', async () => {
    await createSessions(4);
    let handedOver: string | undefined;
    const peer: { b?: TestRunner } = {};
    const a = start('runner-a', {
      runnerTtlMs: 2_000, // the silent peer keeps its slot in the registry far longer than it stays vouched for
      onClose: async (sessionId, reason) => {
        if (reason !== 'handover' || handedOver) return;
        handedOver = sessionId;
        if (peer.b) peer.b.faults.rule = () => 'fail'; // runner-b dies before it can take the session
      },
    });
    await eventually('runner-a holds all 4', () => a.host.hosted().length === 4);
    const b = (peer.b = start('runner-b', { runnerTtlMs: 2_000 }));
    await eventually('a handover began', () => handedOver !== undefined);
    const handedAt = Date.now();
    await eventually('runner-a hosts it again', () => a.host.hosted().includes(handedOver as string), 10_000);
    // Waiting for the handed-over session to be taken would leave it offline for 2 L.
    expect(Date.now() - handedAt).toBeLessThan(2 * leaseTimings.durationMs - 1_000);
    expect(b.host.hosted()).not.toContain(handedOver);
  });

  it('closes and releases a stopped session; hands a deleted one to the host and deletes its lease', async () => {
    const [stopped, deleted, kept] = await createSessions(3);
    const a = start('runner-a', {
      onClose: async (sessionId, reason) => {
        if (reason === 'deleted') await sessions.purge(TENANT, sessionId); // what the real host does after logout
      },
    });
    await eventually('runner-a holds all 3', () => a.host.hosted().length === 3);

    await sessions.setDesiredState(TENANT, stopped as string, 'stopped');
    await sessions.markDeleted(TENANT, deleted as string);
    await eventually('both retired', () => a.host.hosted().join() === kept);
    expect(a.host.closes).toEqual(
      expect.arrayContaining([
        { sessionId: stopped, reason: 'stopped' },
        { sessionId: deleted, reason: 'deleted' },
      ]),
    );
    await eventually('stopped lease released', async () => (await a.leases.read(sessionLeaseKey(TENANT, stopped as string)))?.owner === undefined);
    expect(await a.leases.read(sessionLeaseKey(TENANT, stopped as string))).toMatchObject({ epoch: 1 });
    expect((await sessions.get(TENANT, stopped as string))?.ownerRunnerId).toBeUndefined();
    await eventually('deleted lease removed', async () => (await a.leases.read(sessionLeaseKey(TENANT, deleted as string))) === undefined);
  });

  it('ignores stale end and fence reports from an earlier ownership, and acts on a current one', async () => {
    const [sessionId] = (await createSessions(1)) as [string];
    const a = start('runner-a');
    await eventually('runner-a hosts it', () => a.host.hosted().length === 1);
    const epoch = a.host.epochOf(sessionId) as number;
    const owned = a.runner.owned(sessionId);

    a.runner.fenced(new FencedError(sessionId, epoch - 1)); // a late write of an older actor
    a.runner.sessionEnded(sessionId, 'lost');
    a.runner.sessionEnded(sessionId, 'fenced'); // the record shows no newer owner
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(owned?.lost.aborted).toBe(false);
    expect(a.runner.owned(sessionId)).toBe(owned);

    a.runner.fenced(new FencedError(sessionId, epoch));
    expect(owned?.lost.aborted).toBe(true);
    expect(a.host.hosted()).toEqual([]);
  });

  it('costs, at steady state, one UpdateItem per held lease per renewal, two queries per round and one per watch, no lease reads between sweeps', async () => {
    await createSessions(10);
    const [a, b] = [start('runner-a'), start('runner-b')];
    await eventually('a 5/5 split', () => hostedCounts().join() === '5,5');
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the last claims' bring-ups settle
    const before = runners.map((r) => new Map(r.faults.counts));
    const windowMs = 3_000;
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    for (const [index, runner] of [a, b].entries()) {
      const delta = (command: string) => runner.faults.total(command) - (before[index]?.get(command) ?? 0);
      const leasesHeld = 5 + 1; // sessions + slot
      const renewals = leasesHeld * (windowMs / leaseTimings.renewMs);
      expect(delta('UpdateItemCommand')).toBeGreaterThanOrEqual(renewals * 0.7);
      expect(delta('UpdateItemCommand')).toBeLessThanOrEqual(renewals * 1.3);
      const ticks = windowMs / placementConfig.intervalMs;
      const watches = windowMs / placementConfig.watchMs;
      // A round: runnable sessions + live runners; a watch between rounds: live runners.
      expect(delta('QueryCommand')).toBeLessThanOrEqual((ticks * 2 + watches) * 1.2);
      expect(delta('BatchGetItemCommand')).toBeLessThanOrEqual(Math.ceil(ticks / placementConfig.sweepEvery) + 1);
      expect(delta('GetItemCommand')).toBe(0);
    }
  });

  it('does not let slow bring-ups hold up a drain', async () => {
    await createSessions(2);
    const a = start('runner-a', { bringUpMs: 10_000 }); // far beyond startTimeoutMs
    await eventually('runner-a hosts both', () => a.host.hosted().length === 2);
    const stoppedAt = Date.now();
    expect(await a.runner.stop()).toEqual({ released: 2, remaining: 0, withinBudget: true });
    expect(Date.now() - stoppedAt).toBeLessThan(placementConfig.startTimeoutMs);
    runners = runners.filter((r) => r !== a);
  });
});
