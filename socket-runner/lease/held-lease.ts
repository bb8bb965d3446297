/**
 * One lease this runner holds, and the holder-side timing rules of D4, on the monotonic clock only:
 * - the lease is trusted until `selfFenceMs` after the SEND time of the last renewal known to have
 *   succeeded (never the receive time: the write may have landed as early as it was sent, and a contender
 *   may start counting from then);
 * - a renewal whose outcome is unknown (timeout, transport error) leaves its token "unconfirmed": the
 *   next write accepts either token, and a re-read decides (KCL's rule): the stored token is the attempted
 *   one -> it succeeded (credit its send time); it is the previous one -> retry; anything else -> lost.
 * No I/O here: the lease manager drives it, unit tests drive it with a fake clock.
 */
import type { Clock } from '../../core/clock.ts';
import type { Holding } from './lease-store.ts';
import { leaseId, type LeaseItem, type LeaseSubject } from './lease-records.ts';

export interface LeaseTimings {
  /** L: how long a contender must see a token unchanged before taking over. */
  readonly durationMs: number;
  /** How often the holder renews. */
  readonly renewMs: number;
  /** How long after the last successful renewal's send time the holder stops trusting the lease. */
  readonly selfFenceMs: number;
}

export interface RenewalAttempt {
  readonly token: string;
  /** Monotonic ms at which the write was sent. */
  readonly sentAt: number;
  /** The tokens the conditional write accepts as still ours. */
  readonly expected: Holding;
}

export type LeaseState = 'held' | 'released' | 'lost';

/** Outcome of comparing a re-read item with what we attempted. */
export type Resolution = 'confirmed' | 'retry' | 'lost';

const MAX_UNCONFIRMED = 16;

export class HeldLease {
  readonly id: string;
  private token: string;
  private unconfirmed: { token: string; sentAt: number }[] = [];
  private lastRenewSentAt: number;
  private current: LeaseState = 'held';
  private readonly controller = new AbortController();

  constructor(
    readonly subject: LeaseSubject,
    readonly owner: string,
    readonly epoch: number,
    renewToken: string,
    /** Monotonic send time of the acquiring write. */
    acquireSentAt: number,
    private readonly clock: Clock,
    private readonly timings: LeaseTimings,
  ) {
    this.id = leaseId(subject);
    this.token = renewToken;
    this.lastRenewSentAt = acquireSentAt;
  }

  /** Aborted when the lease is lost or self-fenced (not on a graceful release). */
  get lost(): AbortSignal {
    return this.controller.signal;
  }

  get state(): LeaseState {
    return this.current;
  }

  /** Safe to act on: held, and within the self-fence bound of the last confirmed renewal. */
  isValid(): boolean {
    return this.current === 'held' && this.msUntilSelfFence() > 0;
  }

  /** Milliseconds of trust left (<= 0 once self-fenced). */
  msUntilSelfFence(): number {
    return this.lastRenewSentAt + this.timings.selfFenceMs - this.clock.monotonic();
  }

  /** Milliseconds until the next renewal is due, measured from the last confirmed send time. */
  msUntilRenewal(): number {
    return this.lastRenewSentAt + this.timings.renewMs - this.clock.monotonic();
  }

  /** The holding as the store checks it: ours, this epoch, any token we may have written. */
  holding(): Holding {
    return { owner: this.owner, epoch: this.epoch, tokens: [this.token, ...this.unconfirmed.map((attempt) => attempt.token)] };
  }

  /** Call immediately before sending a renewal write. */
  beginRenewal(nextToken: string): RenewalAttempt {
    return { token: nextToken, sentAt: this.clock.monotonic(), expected: this.holding() };
  }

  /** The store acknowledged the write. */
  confirm(attempt: RenewalAttempt): void {
    this.credit(attempt.token, attempt.sentAt);
  }

  /** The write's outcome is unknown and could not be resolved by a re-read: remember its token. */
  markUnconfirmed(attempt: RenewalAttempt): void {
    this.unconfirmed.push({ token: attempt.token, sentAt: attempt.sentAt });
    if (this.unconfirmed.length > MAX_UNCONFIRMED) this.unconfirmed.shift();
  }

  /** KCL's re-read rule, applied to the item as stored after an ambiguous or refused renewal. */
  resolve(stored: LeaseItem | undefined, attempt: RenewalAttempt): Resolution {
    if (!stored || stored.owner !== this.owner || stored.epoch !== this.epoch || stored.renewToken === undefined) return 'lost';
    if (stored.renewToken === attempt.token) {
      this.credit(attempt.token, attempt.sentAt);
      return 'confirmed';
    }
    const earlier = this.unconfirmed.find((candidate) => candidate.token === stored.renewToken);
    if (earlier) {
      // An earlier ambiguous attempt landed; this one did not. Trust runs from that attempt's send time.
      this.credit(earlier.token, earlier.sentAt);
      return 'confirmed';
    }
    if (stored.renewToken === this.token) return 'retry';
    return 'lost';
  }

  /** Ownership ended without a handover: abort `lost` so the host closes at once and writes nothing. */
  markLost(reason: string): boolean {
    if (this.current !== 'held') return false;
    this.current = 'lost';
    this.controller.abort(new Error(`lease ${this.id} lost: ${reason}`));
    return true;
  }

  /** Graceful end (handover, drain): stop trusting the lease without aborting `lost`. */
  markReleased(): void {
    if (this.current === 'held') this.current = 'released';
  }

  private credit(token: string, sentAt: number): void {
    this.token = token;
    this.unconfirmed = [];
    this.lastRenewSentAt = Math.max(this.lastRenewSentAt, sentAt);
  }
}
