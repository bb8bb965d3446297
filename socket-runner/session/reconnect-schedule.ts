/**
 * When a session actor connects again after a close (D5), kept apart from the actor's phases: how many 515
 * restarts in a row it allows without an open, the full-jitter delay after a failure, the circuit breaker
 * that parks a session that keeps failing, and the half-open probe of a parked session after a cool-down.
 * The actor asks and acts (session-actor.ts); this does no I/O and sets no timer.
 */
import type { Clock } from '../../core/clock.ts';
import type { ActorConfig } from './actor-config.ts';
import { fullJitterDelay } from './backoff.ts';
import { CircuitBreaker } from './circuit-breaker.ts';

export type ReconnectConfig = Pick<ActorConfig, 'backoff' | 'breaker' | 'maxRestartsWithoutOpen' | 'parkedProbeMs'>;

export class ReconnectSchedule {
  private readonly breaker: CircuitBreaker;
  private backoffAttempt = 0;
  private restarts = 0;
  /** The current connection is the half-open probe of a parked session: one failure parks it again. */
  private probing = false;
  private parked = false;
  /** Monotonic time the session was parked. */
  private parkedAt = 0;

  constructor(
    private readonly config: ReconnectConfig,
    private readonly clock: Clock,
    private readonly random: () => number,
  ) {
    this.breaker = new CircuitBreaker(config.breaker, clock);
  }

  /** The socket opened. The breaker keeps its count: a session that opens and drops again and again is failing. */
  opened(): void {
    this.startOver();
    this.probing = false;
  }

  /** WhatsApp asked for a restart (515): true while the restarts since the last open stay within the limit. */
  restartNow(): boolean {
    return ++this.restarts <= this.config.maxRestartsWithoutOpen;
  }

  /** A connection failed: the delay before the next attempt, or `park` (the breaker tripped, or the probe failed). */
  failed(): number | 'park' {
    if (this.probing || this.breaker.recordFailure()) return 'park';
    return fullJitterDelay(this.backoffAttempt++, this.config.backoff, this.random);
  }

  /** The session is parked, since `agoMs` ago (a record found parked at boot) or now. */
  park(agoMs = 0): void {
    this.parked = true;
    this.parkedAt = this.clock.monotonic() - agoMs;
    this.probing = false;
  }

  /** A parked session's cool-down is over: time for one half-open attempt. */
  probeDue(): boolean {
    const { parkedProbeMs } = this.config;
    return this.parked && parkedProbeMs > 0 && this.clock.monotonic() - this.parkedAt >= parkedProbeMs;
  }

  /** Starts over from a dormant session: the tenant started it (`probe` false) or its probe is due. */
  resume(probe: boolean): void {
    this.breaker.reset();
    this.startOver();
    this.probing = probe;
  }

  private startOver(): void {
    this.backoffAttempt = 0;
    this.restarts = 0;
    this.parked = false;
  }
}
