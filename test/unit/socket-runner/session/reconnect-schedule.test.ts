import { describe, expect, it } from 'vitest';
import { ReconnectSchedule, type ReconnectConfig } from '../../../../socket-runner/session/reconnect-schedule.ts';

const CONFIG: ReconnectConfig = {
  backoff: { baseMs: 1_000, capMs: 60_000 },
  breaker: { threshold: 3, windowMs: 60_000 },
  maxRestartsWithoutOpen: 2,
  parkedProbeMs: 5 * 60_000,
};

function schedule(config: Partial<ReconnectConfig> = {}) {
  let now = 0;
  const clock = { now: () => now, monotonic: () => now };
  return { schedule: new ReconnectSchedule({ ...CONFIG, ...config }, clock, () => 0.5), advance: (ms: number) => (now += ms) };
}

describe('ReconnectSchedule', () => {
  it('allows a few restarts in a row, and again after an open', () => {
    const { schedule: s } = schedule();
    expect([s.restartNow(), s.restartNow(), s.restartNow()]).toEqual([true, true, false]);
    s.opened();
    expect(s.restartNow()).toBe(true);
  });

  it('backs off with full jitter that grows per failure and starts over after an open', () => {
    const { schedule: s, advance } = schedule({ breaker: { threshold: 10, windowMs: 60_000 } });
    const delays = [s.failed(), s.failed(), s.failed()];
    expect(delays).toEqual([500, 1_000, 2_000]);
    s.opened();
    advance(120_000);
    expect(s.failed()).toBe(500);
  });

  it('parks when the failures trip the breaker, and a probe is due only after the cool-down', () => {
    const { schedule: s, advance } = schedule();
    expect([s.failed(), s.failed(), s.failed()]).toEqual([500, 1_000, 'park']);
    s.park();
    advance(5 * 60_000 - 1);
    expect(s.probeDue()).toBe(false);
    advance(1);
    expect(s.probeDue()).toBe(true);
  });

  it('parks again at the first failure of a probe; a tenant start gets the full budget back', () => {
    const { schedule: s } = schedule();
    s.park();
    s.resume(true);
    expect(s.probeDue()).toBe(false);
    expect(s.failed()).toBe('park');
    s.park();
    s.resume(false);
    expect([s.failed(), s.failed()]).toEqual([500, 1_000]);
  });

  it('counts the cool-down from when the session was parked, also before this runner held it', () => {
    const { schedule: s } = schedule();
    s.park(5 * 60_000);
    expect(s.probeDue()).toBe(true);
  });

  it('never probes when probing is off', () => {
    const { schedule: s, advance } = schedule({ parkedProbeMs: 0 });
    s.park();
    advance(24 * 60 * 60_000);
    expect(s.probeDue()).toBe(false);
  });
});
