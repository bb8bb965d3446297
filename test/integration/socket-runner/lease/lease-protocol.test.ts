import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients, destroyAwsClients, type AwsClients } from '../../../../core/aws/clients.ts';
import { openTable } from '../../../../core/aws/tables.ts';
import { systemClock } from '../../../../core/clock.ts';
import { createLogger } from '../../../../core/logger.ts';
import { ExpiryObserver } from '../../../../socket-runner/lease/expiry-observer.ts';
import type { HeldLease } from '../../../../socket-runner/lease/held-lease.ts';
import { LeaseManager } from '../../../../socket-runner/lease/lease-manager.ts';
import { sessionLeaseSubject, type ExpectedLease, type LeaseSubject } from '../../../../socket-runner/lease/lease-records.ts';
import { LeaseStore } from '../../../../socket-runner/lease/lease-store.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';
import { installFaults, isRenewal, type DynamoFaults } from './dynamo-faults.ts';

// Short, proportionate timings (L : renew : self-fence = 30 : 5 : 15 scaled down) so real time stays small.
const timings = { durationMs: 1_500, renewMs: 250, selfFenceMs: 750 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface TestRunner {
  readonly id: string;
  readonly clients: AwsClients;
  readonly store: LeaseStore;
  readonly leases: LeaseManager;
  readonly faults: DynamoFaults;
  readonly lost: string[];
}

describe('lease protocol on dynalite', () => {
  let aws: AwsFixture;
  const runners: TestRunner[] = [];
  let n = 0;

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 1 });
  });
  afterEach(() => {
    for (const runner of runners.splice(0)) {
      runner.leases.stop();
      destroyAwsClients(runner.clients);
    }
  });
  afterAll(() => aws.close());

  function runner(id: string): TestRunner {
    const clients = createAwsClients({ env: aws.env, maxAttempts: 1 });
    const faults = installFaults(clients.doc);
    const store = new LeaseStore(openTable(clients.doc, 'leases', aws.env));
    const lost: string[] = [];
    const leases = new LeaseManager({
      store,
      clock: systemClock,
      owner: id,
      timings,
      renewConcurrency: 8,
      logger: createLogger('test'),
      onLost: (_lease, reason) => lost.push(reason),
    });
    const created = { id, clients, store, leases, faults, lost };
    runners.push(created);
    return created;
  }

  function freshSubject(): LeaseSubject {
    return sessionLeaseSubject('tenant-a', `session-${++n}`, 0);
  }

  it('lets exactly one of two racing runners win, with the epoch rising on every acquisition', async () => {
    const [a, b] = [runner('runner-a'), runner('runner-b')];
    const subject = freshSubject();
    let expected: ExpectedLease = { state: 'absent', baseEpoch: 0 };
    for (let round = 1; round <= 5; round++) {
      const results = await Promise.all([a.leases.acquire(subject, expected), b.leases.acquire(subject, expected)]);
      const winners = results.filter((lease): lease is HeldLease => lease !== undefined);
      expect(winners).toHaveLength(1);
      const winner = winners[0] as HeldLease;
      expect(winner.epoch).toBe(round);
      await (winner.owner === 'runner-a' ? a : b).leases.release(winner);
      expected = { state: 'released', epoch: round };
      expect(await a.store.read(subject)).toMatchObject({ epoch: round });
    }
  });

  it('takes over an abandoned lease only after seeing its token unchanged for L, with epoch + 1', async () => {
    const [a, b] = [runner('runner-a'), runner('runner-b')];
    const subject = freshSubject();
    const held = await a.leases.acquire(subject, { state: 'absent', baseEpoch: 0 });
    expect(held?.epoch).toBe(1);
    await sleep(timings.renewMs * 2); // A renews a couple of times, then crashes: nothing more is written
    a.leases.stop();

    const observer = new ExpiryObserver(systemClock, timings.durationMs);
    let firstSighting: number | undefined;
    let taken: HeldLease | undefined;
    while (!taken) {
      const item = await b.store.read(subject);
      const readAt = systemClock.monotonic();
      firstSighting ??= readAt;
      const verdict = observer.observe(subject, item, { readAt });
      if (verdict.claimable) taken = await b.leases.acquire(subject, verdict.expected);
      else await sleep(50);
    }
    expect(systemClock.monotonic() - (firstSighting as number)).toBeGreaterThanOrEqual(timings.durationMs);
    expect(taken.epoch).toBe(2);
    expect(await b.store.read(subject)).toMatchObject({ owner: 'runner-b', epoch: 2 });
  });

  it('never offers a lease whose holder keeps renewing', async () => {
    const [a, b] = [runner('runner-a'), runner('runner-b')];
    const subject = freshSubject();
    await a.leases.acquire(subject, { state: 'absent', baseEpoch: 0 });
    const observer = new ExpiryObserver(systemClock, timings.durationMs);
    const deadline = systemClock.monotonic() + timings.durationMs * 1.5;
    while (systemClock.monotonic() < deadline) {
      expect(observer.observe(subject, await b.store.read(subject)).claimable).toBe(false);
      await sleep(50);
    }
  });

  it('self-fences (aborts lost) within the bound when every renewal fails', async () => {
    const a = runner('runner-a');
    const lease = (await a.leases.acquire(freshSubject(), { state: 'absent', baseEpoch: 0 })) as HeldLease;
    await sleep(timings.renewMs * 2);
    // From here on, every write and read of A times out before reaching DynamoDB.
    const faultedAt = systemClock.monotonic();
    a.faults.rule = () => 'fail';
    const lostAt = await new Promise<number>((resolve) => lease.lost.addEventListener('abort', () => resolve(systemClock.monotonic())));
    const after = lostAt - faultedAt;
    expect(after).toBeLessThanOrEqual(timings.selfFenceMs + 250);
    expect(after).toBeGreaterThanOrEqual(timings.selfFenceMs - timings.renewMs - 50);
    expect(a.lost).toEqual(['self-fenced']);
    expect(lease.isValid()).toBe(false);
  });

  it('keeps the lease when renewals applied but their responses were lost (re-read rule)', async () => {
    const a = runner('runner-a');
    const subject = freshSubject();
    const lease = (await a.leases.acquire(subject, { state: 'absent', baseEpoch: 0 })) as HeldLease;
    let lostResponses = 0;
    a.faults.rule = (command, input) => {
      if (!isRenewal(command, input) || lostResponses >= 4) return undefined;
      lostResponses++;
      return 'lose-response';
    };
    await sleep(timings.durationMs * 2);
    expect(lostResponses).toBe(4);
    expect(a.lost).toEqual([]);
    expect(lease.isValid()).toBe(true);
    const stored = await a.store.read(subject);
    expect(lease.holding().tokens).toEqual([stored?.renewToken]);
  });

  it('costs one conditional UpdateItem per lease per renewal period and nothing else', async () => {
    const a = runner('runner-a');
    const count = 20;
    for (let i = 0; i < count; i++) await a.leases.acquire(freshSubject(), { state: 'absent', baseEpoch: 0 });
    const before = new Map(a.faults.counts);
    const windowMs = timings.renewMs * 10;
    await sleep(windowMs);
    const delta = (command: string) => a.faults.total(command) - (before.get(command) ?? 0);
    const updates = delta('UpdateItemCommand');
    const expected = count * (windowMs / timings.renewMs);
    expect(updates).toBeGreaterThanOrEqual(expected * 0.7);
    expect(updates).toBeLessThanOrEqual(expected * 1.25);
    expect(a.faults.total() - [...before.values()].reduce((s, v) => s + v, 0)).toBe(updates);
  });
});
