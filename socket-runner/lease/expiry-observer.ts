/**
 * The contender side of D4: a lease held by someone else may be taken only after this runner has seen the
 * SAME renewToken, unchanged, for the whole lease duration L on its own monotonic clock. The clock starts
 * when a read returned (the conservative end: the token existed no later than that), and any change of
 * token or epoch restarts it. Absent and released leases are claimable at once. No clock of another
 * machine is ever read.
 */
import type { Clock } from '../../core/clock.ts';
import { isReleased, leaseId, type ExpectedLease, type LeaseItem, type LeaseKey } from './lease-records.ts';

export type Claimability =
  | { readonly claimable: true; readonly expected: ExpectedLease }
  | { readonly claimable: false; readonly waitMs: number };

interface Sighting {
  readonly token: string;
  readonly epoch: number;
  readonly firstSeenAt: number;
}

export class ExpiryObserver {
  private readonly sightings = new Map<string, Sighting>();

  constructor(
    private readonly clock: Clock,
    private readonly durationMs: number,
  ) {}

  /**
   * Records what a fresh strongly consistent read returned and says whether the lease may be taken now.
   * `readAt` is the monotonic time the read's response arrived (defaults to now). `baseEpoch` seeds the
   * epoch of a lease that does not exist yet, so a re-created lease never reuses an epoch a previous owner
   * wrote elsewhere (the session record remembers it).
   */
  observe(key: LeaseKey, item: LeaseItem | undefined, options: { readAt?: number; baseEpoch?: number } = {}): Claimability {
    const id = leaseId(key);
    if (!item) {
      this.sightings.delete(id);
      return { claimable: true, expected: { state: 'absent', baseEpoch: options.baseEpoch ?? 0 } };
    }
    if (isReleased(item)) {
      this.sightings.delete(id);
      return { claimable: true, expected: { state: 'released', epoch: item.epoch } };
    }
    const token = item.renewToken as string;
    const readAt = options.readAt ?? this.clock.monotonic();
    const previous = this.sightings.get(id);
    if (!previous || previous.token !== token || previous.epoch !== item.epoch) {
      this.sightings.set(id, { token, epoch: item.epoch, firstSeenAt: readAt });
      return { claimable: false, waitMs: this.durationMs };
    }
    const unchangedFor = readAt - previous.firstSeenAt;
    if (unchangedFor >= this.durationMs) {
      return { claimable: true, expected: { state: 'held', epoch: item.epoch, renewToken: token } };
    }
    return { claimable: false, waitMs: this.durationMs - unchangedFor };
  }

  /** Forgets a lease (acquired, or no longer of interest). */
  forget(key: LeaseKey): void {
    this.sightings.delete(leaseId(key));
  }

  /** Keeps only the given leases' sightings: memory stays bounded by what is still being watched. */
  retainOnly(keys: Iterable<LeaseKey>): void {
    const keep = new Set<string>();
    for (const key of keys) keep.add(leaseId(key));
    for (const id of this.sightings.keys()) if (!keep.has(id)) this.sightings.delete(id);
  }

  get size(): number {
    return this.sightings.size;
  }
}
