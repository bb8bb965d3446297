// A hand-driven clock for timing rules: wall and monotonic time move only when the test says so, and can
// be made to disagree (a wall-clock jump must not move safety timing).
import type { Clock } from '../../../../core/clock.ts';

export class FakeClock implements Clock {
  constructor(
    private wall = 1_700_000_000_000,
    private mono = 1_000,
  ) {}

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  advance(ms: number): void {
    this.wall += ms;
    this.mono += ms;
  }

  /** Moves only the wall clock (NTP step, VM resume): safety timing must not notice. */
  jumpWall(ms: number): void {
    this.wall += ms;
  }
}
