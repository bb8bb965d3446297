import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../../../core/clock.ts';
import { createLogger } from '../../../../core/logger.ts';
import type { HeldLease } from '../../../../socket-runner/lease/held-lease.ts';
import { leaseId, sessionLeaseSubject } from '../../../../socket-runner/lease/lease-records.ts';
import { LeaseManager } from '../../../../socket-runner/lease/lease-manager.ts';
import { MemoryLeaseStore } from './memory-lease-store.ts';

const subject = sessionLeaseSubject('tenant-a', 'session-1', 0);
const timings = { durationMs: 30_000, renewMs: 5_000, selfFenceMs: 15_000 };

describe('LeaseManager with fake time', () => {
  let store: MemoryLeaseStore;
  let lostReasons: string[];
  let manager: LeaseManager;

  beforeEach(() => {
    vi.useFakeTimers();
    store = new MemoryLeaseStore();
    lostReasons = [];
    manager = new LeaseManager({
      store,
      clock: systemClock,
      owner: 'runner-a',
      timings,
      renewConcurrency: 4,
      logger: createLogger('test'),
      onLost: (_lease, reason) => lostReasons.push(reason),
      random: () => 0,
    });
  });
  afterEach(() => {
    manager.stop();
    vi.useRealTimers();
  });

  async function acquire(): Promise<HeldLease> {
    const lease = await manager.acquire(subject, { state: 'absent', baseEpoch: 0 });
    if (!lease) throw new Error('not acquired');
    return lease;
  }

  it('renews once per renewal period and stays valid indefinitely while renewals succeed', async () => {
    const lease = await acquire();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(store.renewCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(55_000);
    expect(store.renewCalls).toBe(12);
    expect(lease.isValid()).toBe(true);
    expect(lease.lost.aborted).toBe(false);
  });

  it('self-fences within 15 s of the last successful send when every renewal fails', async () => {
    const lease = await acquire();
    await vi.advanceTimersByTimeAsync(5_000); // one good renewal, sent at t=5 s
    store.renewFault = 'fail-before';
    store.readsFail = true;
    await vi.advanceTimersByTimeAsync(14_998);
    expect(lease.lost.aborted).toBe(false);
    expect(store.renewCalls).toBeGreaterThan(3); // it kept trying meanwhile
    await vi.advanceTimersByTimeAsync(3);
    expect(lease.lost.aborted).toBe(true);
    expect(lostReasons).toEqual(['self-fenced']);
    expect(manager.held()).toEqual([]);
  });

  it('keeps the lease when a renewal applied but its response was lost (re-read rule)', async () => {
    const lease = await acquire();
    store.renewFault = 'lose-response';
    await vi.advanceTimersByTimeAsync(60_000);
    expect(lease.isValid()).toBe(true);
    expect(lostReasons).toEqual([]);
    // Each attempt's token is what is stored: the holder tracked it.
    expect(lease.holding().tokens).toEqual([store.items.get(leaseId(subject))?.renewToken]);
  });

  it('carries an unresolved token into the next write when the re-read fails too', async () => {
    const lease = await acquire();
    store.renewFault = 'lose-response';
    store.readsFail = true;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lease.holding().tokens).toHaveLength(2);
    store.renewFault = 'none';
    store.readsFail = false;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(lease.holding().tokens).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(lease.isValid()).toBe(true);
  });

  it('reports the lease lost as soon as a renewal finds a new owner', async () => {
    const lease = await acquire();
    store.steal(subject, 'runner-b');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(lease.lost.aborted).toBe(true);
    expect(lostReasons).toEqual(['taken over']);
  });

  it('releases keeping the epoch, without aborting lost, and stops renewing', async () => {
    const lease = await acquire();
    await manager.release(lease);
    const item = store.items.get(leaseId(subject));
    expect(item?.epoch).toBe(1);
    expect(item).not.toHaveProperty('owner');
    expect(item).not.toHaveProperty('renewToken');
    expect(lease.lost.aborted).toBe(false);
    expect(lease.isValid()).toBe(false);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(store.renewCalls).toBe(0);
  });

  it('spreads renewals of leases acquired at different times', async () => {
    const times: number[] = [];
    const renew = store.renew.bind(store);
    store.renew = async (...args) => {
      times.push(Date.now());
      return renew(...args);
    };
    for (let i = 0; i < 5; i++) {
      await manager.acquire(sessionLeaseSubject('tenant-a', `s${i}`, 0), { state: 'absent', baseEpoch: 0 });
      await vi.advanceTimersByTimeAsync(1_000);
    }
    times.length = 0;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(new Set(times).size).toBe(5);
  });
});
