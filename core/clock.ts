/**
 * Time as a port. `now()` is wall-clock epoch milliseconds (for records and expiries); `monotonic()` is a
 * monotonic millisecond counter for safety timing (lease renewal and self-fencing, D4) that a wall-clock
 * jump cannot move.
 */
export interface Clock {
  now(): number;
  monotonic(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};

export function isoNow(clock: Clock = systemClock): string {
  return new Date(clock.now()).toISOString();
}
