/**
 * Acquires, renews, releases and self-fences this runner's leases (slot and sessions alike, D4).
 *
 * Cost: one conditional UpdateItem per held lease per renewal period, nothing else while all is well.
 * Renewals are due `renewMs` after the previous one's send time, minus a little jitter, so leases acquired
 * at different times stay spread out; they run through one queue of bounded concurrency so a runner with
 * many sessions never floods DynamoDB or its own socket pool. A self-fence timer per lease aborts `lost`
 * the moment trust runs out, whether or not a renewal is stuck in that queue.
 */
import PQueue from 'p-queue';
import type { Clock } from '../../core/clock.ts';
import { ConditionFailedError, DependencyError } from '../../core/errors.ts';
import { randomToken } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import { HeldLease, type LeaseTimings, type Resolution } from './held-lease.ts';
import type { ExpectedLease, LeaseSubject } from './lease-records.ts';
import type { Holding, LeaseStorePort } from './lease-store.ts';

export interface LeaseManagerOptions {
  readonly store: LeaseStorePort;
  readonly clock: Clock;
  /** This runner's id, written as the lease owner. */
  readonly owner: string;
  readonly timings: LeaseTimings;
  /** Renewal writes in flight at once, across all leases. */
  readonly renewConcurrency: number;
  readonly logger: Logger;
  /** Called once when a lease is lost or self-fenced (after `lost` was aborted). */
  readonly onLost?: (lease: HeldLease, reason: string) => void;
  /** Random source for renewal jitter (tests pin it). */
  readonly random?: () => number;
}

interface Entry {
  readonly lease: HeldLease;
  renewTimer?: NodeJS.Timeout;
  fenceTimer?: NodeJS.Timeout;
  /** The renewal being written, if any: release waits for it so its token is known. */
  inflight?: Promise<void>;
}

const RELEASE_ATTEMPTS = 3;

export class LeaseManager {
  private readonly entries = new Map<string, Entry>();
  private readonly renewals: PQueue;
  private readonly random: () => number;

  constructor(private readonly options: LeaseManagerOptions) {
    this.renewals = new PQueue({ concurrency: options.renewConcurrency });
    this.random = options.random ?? Math.random;
  }

  get owner(): string {
    return this.options.owner;
  }

  /**
   * Takes a lease the caller observed as `expected` (see ExpiryObserver). Returns undefined when another
   * runner won the race. An acquisition whose outcome is unknown is resolved by a re-read; when even that
   * fails it is given up (if it landed, nobody renews it and it expires like any other).
   */
  async acquire(subject: LeaseSubject, expected: ExpectedLease): Promise<HeldLease | undefined> {
    const { store, clock, owner, logger } = this.options;
    const token = randomToken(16);
    const sentAt = clock.monotonic();
    let epoch: number;
    try {
      epoch = (await store.acquire(subject, expected, { owner, renewToken: token, now: clock.now() })).epoch;
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      if (!(error instanceof DependencyError)) throw error;
      const stored = await store.read(subject).catch(() => undefined);
      if (stored?.renewToken !== token) return undefined;
      epoch = stored.epoch;
    }
    const lease = new HeldLease(subject, owner, epoch, token, sentAt, clock, this.options.timings);
    const entry: Entry = { lease };
    this.entries.set(lease.id, entry);
    logger.info('lease.acquired', { lease: lease.id, kind: subject.kind, epoch, from: expected.state });
    this.armFence(entry);
    this.scheduleRenewal(entry, lease.msUntilRenewal());
    return lease;
  }

  /** Gives the lease up gracefully, keeping its epoch; `lost` is not aborted. */
  async release(lease: HeldLease): Promise<void> {
    await this.finish(lease, 'release', (holding) => this.options.store.release(lease.subject, holding, this.options.clock.now()));
  }

  /** Deletes the lease item (a deleted session that has been purged). */
  async remove(lease: HeldLease): Promise<void> {
    await this.finish(lease, 'remove', (holding) => this.options.store.remove(lease.subject, holding));
  }

  /** Stops trusting a lease without writing (e.g. its slot was lost): aborts `lost`. */
  abandon(lease: HeldLease, reason: string): void {
    const entry = this.entries.get(lease.id);
    if (entry) this.lose(entry, reason);
    else lease.markLost(reason);
  }

  held(): HeldLease[] {
    return [...this.entries.values()].map((entry) => entry.lease);
  }

  /** Stops every timer without writing anything (process exit; tests). Leases then simply expire. */
  stop(): void {
    for (const entry of this.entries.values()) this.clearTimers(entry);
    this.entries.clear();
    this.renewals.clear();
  }

  private async finish(lease: HeldLease, action: string, write: (holding: Holding) => Promise<void>): Promise<void> {
    const entry = this.entries.get(lease.id);
    if (!entry) return;
    lease.markReleased();
    this.clearTimers(entry);
    await entry.inflight?.catch(() => undefined);
    this.entries.delete(lease.id);
    for (let attempt = 1; ; attempt++) {
      try {
        await write(lease.holding());
        this.options.logger.info(`lease.${action}d`, { lease: lease.id, epoch: lease.epoch });
        return;
      } catch (error) {
        if (error instanceof ConditionFailedError) {
          this.options.logger.warn(`lease.${action}.not_ours`, { lease: lease.id, epoch: lease.epoch });
          return;
        }
        if (!(error instanceof DependencyError) || attempt >= RELEASE_ATTEMPTS) {
          // The lease is no longer trusted locally; left alone it expires after L like a crashed holder's.
          this.options.logger.warn(`lease.${action}.failed`, { lease: lease.id, epoch: lease.epoch, error: String(error) });
          return;
        }
      }
    }
  }

  private scheduleRenewal(entry: Entry, delayMs: number): void {
    clearTimeout(entry.renewTimer);
    const jitter = this.random() * 0.1 * this.options.timings.renewMs;
    entry.renewTimer = setTimeout(
      () => {
        entry.inflight = this.renewals.add(() => this.renew(entry)).catch((error: unknown) => {
          this.options.logger.error('lease.renew.crashed', { lease: entry.lease.id, error: String(error) });
        });
      },
      Math.max(0, delayMs - jitter),
    );
  }

  private async renew(entry: Entry): Promise<void> {
    const { lease } = entry;
    const { store, clock, logger, timings } = this.options;
    if (lease.state !== 'held') return;
    if (!lease.isValid()) return this.lose(entry, 'self-fenced');
    const attempt = lease.beginRenewal(randomToken(16));
    let resolution: Resolution;
    try {
      await store.renew(lease.subject, attempt.expected, attempt.token, clock.now());
      lease.confirm(attempt);
      resolution = 'confirmed';
    } catch (error) {
      if (lease.state !== 'held') return;
      // Refused or ambiguous: what is stored decides (an SDK retry may have been refused by our own write).
      try {
        resolution = lease.resolve(await store.read(lease.subject), attempt);
      } catch {
        lease.markUnconfirmed(attempt);
        resolution = 'retry';
      }
      logger.warn('lease.renew.failed', { lease: lease.id, epoch: lease.epoch, resolution, error: String(error) });
    }
    if (lease.state !== 'held') return;
    if (resolution === 'lost') return this.lose(entry, 'taken over');
    if (resolution === 'confirmed') {
      this.armFence(entry);
      this.scheduleRenewal(entry, lease.msUntilRenewal());
    } else {
      this.scheduleRenewal(entry, timings.renewMs / 5);
    }
  }

  private armFence(entry: Entry): void {
    clearTimeout(entry.fenceTimer);
    entry.fenceTimer = setTimeout(
      () => {
        if (entry.lease.state !== 'held') return;
        if (entry.lease.isValid()) this.armFence(entry);
        else this.lose(entry, 'self-fenced');
      },
      Math.max(0, entry.lease.msUntilSelfFence()) + 1,
    );
  }

  private lose(entry: Entry, reason: string): void {
    this.clearTimers(entry);
    this.entries.delete(entry.lease.id);
    if (!entry.lease.markLost(reason)) return;
    this.options.logger.warn('lease.lost', { lease: entry.lease.id, epoch: entry.lease.epoch, reason });
    this.options.onLost?.(entry.lease, reason);
  }

  private clearTimers(entry: Entry): void {
    clearTimeout(entry.renewTimer);
    clearTimeout(entry.fenceTimer);
  }
}
