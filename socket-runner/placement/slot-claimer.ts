/**
 * Claims one of the S slots (D3) by lease, with the same protocol as sessions: a free slot (never leased,
 * or released by a runner that drained) is taken at once; a held one only after its token stayed
 * unchanged for L on this runner's clock (its holder died). Whoever holds slot k polls `commands-k.fifo`,
 * so a replacement inherits the backlog of the runner it replaces.
 */
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { ExpiryObserver } from '../lease/expiry-observer.ts';
import type { HeldLease } from '../lease/held-lease.ts';
import type { LeaseManager } from '../lease/lease-manager.ts';
import { isReleased, leaseId, slotLeaseSubject, type ExpectedLease, type LeaseSubject } from '../lease/lease-records.ts';
import type { LeaseStorePort } from '../lease/lease-store.ts';
import { preferenceOrder } from './placement-policy.ts';

export interface SlotClaimerDeps {
  readonly runnerId: string;
  readonly slotCount: number;
  readonly leases: LeaseManager;
  readonly store: LeaseStorePort;
  readonly clock: Clock;
  readonly leaseDurationMs: number;
  readonly logger: Logger;
}

export class SlotClaimer {
  private readonly observer: ExpiryObserver;

  constructor(private readonly deps: SlotClaimerDeps) {
    this.observer = new ExpiryObserver(deps.clock, deps.leaseDurationMs);
  }

  /** One attempt: reads every slot lease and takes a free slot, else an expired one. */
  async tryClaim(): Promise<HeldLease | undefined> {
    const { slotCount, store, clock, runnerId, leases } = this.deps;
    const subjects = preferenceOrder(
      runnerId,
      Array.from({ length: slotCount }, (_, slot) => slotLeaseSubject(slot)),
      (subject) => subject.pk,
    );
    const items = await store.readMany(subjects);
    const readAt = clock.monotonic();
    const free: { subject: LeaseSubject; expected: ExpectedLease }[] = [];
    const expired: typeof free = [];
    for (const subject of subjects) {
      const item = items.get(leaseId(subject));
      const verdict = this.observer.observe(subject, item, { readAt });
      if (!verdict.claimable) continue;
      (item && !isReleased(item) ? expired : free).push({ subject, expected: verdict.expected });
    }
    for (const { subject, expected } of [...free, ...expired]) {
      const lease = await leases.acquire(subject, expected);
      if (lease) {
        this.observer.forget(subject);
        this.deps.logger.info('runner.slot_claimed', { slot: subject.slot, epoch: lease.epoch, from: expected.state });
        return lease;
      }
    }
    return undefined;
  }
}
