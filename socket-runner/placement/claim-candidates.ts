/**
 * Which sessions this runner may claim now, and at what cost. It reads the leases of likely orphans only:
 * sessions whose record names no owner, an owner not vouched for (draining, or its heartbeat late: see
 * fleet-watch.ts), or this runner itself. Sessions of vouched peers are left alone, except on a sweep every
 * `sweepEvery` rounds with room (the safety net for a live runner that lost a lease and could not clear the
 * record). A runner with no room still observes likely orphans (none at steady state), so that their L
 * clock is already running when room opens.
 *
 * What it reads feeds the ExpiryObserver: absent and released leases are claimable at once, held ones once
 * their token has stayed unchanged for L on this runner's clock.
 */
import type { Clock } from '../../core/clock.ts';
import type { RunnableSession } from '../../core/sessions/session-repository.ts';
import { ExpiryObserver } from '../lease/expiry-observer.ts';
import { leaseId, sessionLeaseSubject, type ExpectedLease, type LeaseKey } from '../lease/lease-records.ts';
import type { LeaseStorePort } from '../lease/lease-store.ts';
import { preferenceOrder } from './placement-policy.ts';

export interface Claimable {
  readonly record: RunnableSession;
  readonly expected: ExpectedLease;
}

export interface CandidateRound {
  readonly claimable: Claimable[];
  /** When the soonest observed, still held lease may be taken (none watched: undefined). */
  readonly claimableInMs?: number;
}

export interface CandidateDeps {
  readonly runnerId: string;
  readonly slot: number;
  readonly leaseStore: LeaseStorePort;
  readonly clock: Clock;
  readonly leaseDurationMs: number;
  readonly sweepEvery: number;
}

export class ClaimCandidates {
  private readonly observer: ExpiryObserver;
  private finds = 0;

  constructor(private readonly deps: CandidateDeps) {
    this.observer = new ExpiryObserver(deps.clock, deps.leaseDurationMs);
  }

  /**
   * Up to `room` sessions to claim, in this runner's preference order. `skip` excludes sessions held,
   * being claimed, or just handed over by this runner.
   */
  async find(
    runnable: readonly RunnableSession[],
    room: number,
    vouched: ReadonlySet<string>,
    skip: (record: RunnableSession) => boolean,
  ): Promise<CandidateRound> {
    const { runnerId, slot, leaseStore, clock, sweepEvery } = this.deps;
    const sweep = room > 0 && ++this.finds % sweepEvery === 0;
    const candidates = runnable.filter(
      (record) =>
        !skip(record) && (sweep || !record.ownerRunnerId || record.ownerRunnerId === runnerId || !vouched.has(record.ownerRunnerId)),
    );
    const ordered = preferenceOrder(runnerId, candidates, (record) => `${record.tenantId}#${record.sessionId}`);
    const subjects = ordered.map((record) => sessionLeaseSubject(record.tenantId, record.sessionId, slot));
    const items = subjects.length ? await leaseStore.readMany(subjects) : new Map();
    const readAt = clock.monotonic();
    if (sweep) this.observer.retainOnly(subjects);
    const claimable: Claimable[] = [];
    let claimableInMs: number | undefined;
    for (const [index, record] of ordered.entries()) {
      const subject = subjects[index] as LeaseKey;
      // Every candidate is observed (its L clock must keep running), even when there is no room left.
      const verdict = this.observer.observe(subject, items.get(leaseId(subject)), { readAt, baseEpoch: record.epoch ?? 0 });
      if (verdict.claimable && claimable.length < room) claimable.push({ record, expected: verdict.expected });
      if (!verdict.claimable) claimableInMs = Math.min(claimableInMs ?? Infinity, verdict.waitMs);
    }
    return { claimable, claimableInMs };
  }

  /** The lease was taken: no need to remember its sightings. */
  acquired(key: LeaseKey): void {
    this.observer.forget(key);
  }
}
