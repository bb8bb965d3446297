import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../../socket-runner/session/circuit-breaker.ts';

function breakerAt(options = { threshold: 3, windowMs: 60_000 }) {
  let now = 0;
  const breaker = new CircuitBreaker(options, { now: () => now, monotonic: () => now });
  return { breaker, advance: (ms: number) => (now += ms) };
}

describe('CircuitBreaker', () => {
  it('trips on the threshold-th failure inside the window', () => {
    const { breaker, advance } = breakerAt();
    expect(breaker.recordFailure()).toBe(false);
    advance(10_000);
    expect(breaker.recordFailure()).toBe(false);
    advance(10_000);
    expect(breaker.recordFailure()).toBe(true);
  });

  it('does not trip when the failures are spread wider than the window', () => {
    const { breaker, advance } = breakerAt();
    for (let i = 0; i < 10; i++) {
      expect(breaker.recordFailure()).toBe(false);
      advance(31_000);
    }
    expect(breaker.recentFailures()).toBe(1);
  });

  it('starts over after a reset', () => {
    const { breaker } = breakerAt();
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.reset();
    expect(breaker.recordFailure()).toBe(false);
    expect(breaker.recentFailures()).toBe(1);
  });
});
