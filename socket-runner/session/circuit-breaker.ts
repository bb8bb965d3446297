/**
 * Parks a session that keeps failing (D5): `threshold` connection failures within `windowMs` trip the
 * breaker, and the actor stops reconnecting (status `failed`, alert `session_parked`) until the tenant
 * starts the session again or a half-open probe after a cool-down succeeds. Opens in between do not clear
 * the count: a session that connects and drops again and again is failing too.
 *
 * Memory is bounded: at most `threshold` timestamps are kept.
 */
import type { Clock } from '../../core/clock.ts';

export interface CircuitBreakerOptions {
  readonly threshold: number;
  readonly windowMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER: CircuitBreakerOptions = { threshold: 10, windowMs: 15 * 60_000 };

export class CircuitBreaker {
  private failures: number[] = [];

  constructor(
    private readonly options: CircuitBreakerOptions,
    private readonly clock: Clock,
  ) {}

  /** Records a failure; true when the breaker trips (threshold failures inside the window). */
  recordFailure(): boolean {
    const now = this.clock.monotonic();
    this.failures.push(now);
    if (this.failures.length > this.options.threshold) this.failures.shift();
    const oldest = this.failures[0] ?? now;
    return this.failures.length >= this.options.threshold && now - oldest <= this.options.windowMs;
  }

  /** Failures currently inside the window. */
  recentFailures(): number {
    const now = this.clock.monotonic();
    return this.failures.filter((at) => now - at <= this.options.windowMs).length;
  }

  reset(): void {
    this.failures = [];
  }
}
