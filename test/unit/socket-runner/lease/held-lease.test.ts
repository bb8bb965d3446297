import { describe, expect, it } from 'vitest';
import { HeldLease, type LeaseTimings } from '../../../../socket-runner/lease/held-lease.ts';
import { sessionLeaseSubject, type LeaseItem } from '../../../../socket-runner/lease/lease-records.ts';
import { FakeClock } from './fake-clock.ts';

const timings: LeaseTimings = { durationMs: 30_000, renewMs: 5_000, selfFenceMs: 15_000 };
const subject = sessionLeaseSubject('tenant-a', 'session-1', 0);

function heldLease(clock: FakeClock, token = 'T0'): HeldLease {
  return new HeldLease(subject, 'runner-a', 4, token, clock.monotonic(), clock, timings);
}

function stored(overrides: Partial<LeaseItem>): LeaseItem {
  return { pk: subject.pk, sk: subject.sk, kind: 'session', epoch: 4, owner: 'runner-a', renewToken: 'T0', ...overrides };
}

describe('HeldLease timing (holder side of D4)', () => {
  it('self-fences 15 s after the send time of the last successful renewal, not its receive time', () => {
    const clock = new FakeClock();
    const lease = heldLease(clock);
    clock.advance(5_000);
    const attempt = lease.beginRenewal('T1');
    clock.advance(4_000); // a slow round trip: the response arrives 4 s after the request left
    lease.confirm(attempt);

    clock.advance(15_000 - 4_000 - 1); // 1 ms before sentAt + 15 s
    expect(lease.isValid()).toBe(true);
    clock.advance(1);
    expect(lease.isValid()).toBe(false);
    expect(lease.msUntilSelfFence()).toBe(0);
  });

  it('counts validity from the acquiring write when no renewal has succeeded yet', () => {
    const clock = new FakeClock();
    const lease = heldLease(clock);
    clock.advance(14_999);
    expect(lease.isValid()).toBe(true);
    clock.advance(1);
    expect(lease.isValid()).toBe(false);
  });

  it('ignores wall-clock jumps: only the monotonic clock moves safety timing', () => {
    const clock = new FakeClock();
    const lease = heldLease(clock);
    clock.jumpWall(-3_600_000);
    clock.advance(10_000);
    clock.jumpWall(7_200_000);
    expect(lease.isValid()).toBe(true);
    expect(lease.msUntilSelfFence()).toBe(5_000);
  });

  it('accepts both the confirmed and an unconfirmed token in its next conditional write', () => {
    const clock = new FakeClock();
    const lease = heldLease(clock);
    const ambiguous = lease.beginRenewal('T1');
    lease.markUnconfirmed(ambiguous);
    expect(lease.beginRenewal('T2').expected).toEqual({ owner: 'runner-a', epoch: 4, tokens: ['T0', 'T1'] });
  });

  describe('re-read rule after an ambiguous renewal (KCL)', () => {
    it('treats the attempted token as stored as success, crediting that attempt\'s send time', () => {
      const clock = new FakeClock();
      const lease = heldLease(clock);
      clock.advance(5_000);
      const attempt = lease.beginRenewal('T1');
      clock.advance(3_000);
      expect(lease.resolve(stored({ renewToken: 'T1' }), attempt)).toBe('confirmed');
      clock.advance(11_999); // sentAt + 14.999 s
      expect(lease.isValid()).toBe(true);
      clock.advance(1);
      expect(lease.isValid()).toBe(false);
      expect(lease.holding().tokens).toEqual(['T1']);
    });

    it('retries when the previous token is still stored (the write did not land)', () => {
      const clock = new FakeClock();
      const lease = heldLease(clock);
      const attempt = lease.beginRenewal('T1');
      expect(lease.resolve(stored({ renewToken: 'T0' }), attempt)).toBe('retry');
      expect(lease.state).toBe('held');
    });

    it('credits an earlier ambiguous attempt that turns out to have landed', () => {
      const clock = new FakeClock();
      const lease = heldLease(clock);
      clock.advance(5_000);
      const first = lease.beginRenewal('T1');
      lease.markUnconfirmed(first);
      clock.advance(2_000);
      const second = lease.beginRenewal('T2');
      expect(lease.resolve(stored({ renewToken: 'T1' }), second)).toBe('confirmed');
      expect(lease.msUntilSelfFence()).toBe(5_000 + 15_000 - 7_000);
      expect(lease.holding().tokens).toEqual(['T1']);
    });

    it.each([
      ['another token', { renewToken: 'X' }],
      ['another owner', { owner: 'runner-b', renewToken: 'T1' }],
      ['a newer epoch', { epoch: 5, renewToken: 'T1' }],
      ['a released lease', { owner: undefined, renewToken: undefined }],
    ])('reports the lease lost when the item shows %s', (_, overrides) => {
      const clock = new FakeClock();
      const lease = heldLease(clock);
      const attempt = lease.beginRenewal('T1');
      expect(lease.resolve(stored(overrides), attempt)).toBe('lost');
    });

    it('reports the lease lost when the item is gone', () => {
      const clock = new FakeClock();
      const lease = heldLease(clock);
      expect(lease.resolve(undefined, lease.beginRenewal('T1'))).toBe('lost');
    });
  });

  it('aborts lost once when lost, but not on a graceful release', () => {
    const clock = new FakeClock();
    const lost = heldLease(clock);
    expect(lost.markLost('taken over')).toBe(true);
    expect(lost.markLost('again')).toBe(false);
    expect(lost.lost.aborted).toBe(true);
    expect(lost.isValid()).toBe(false);

    const released = heldLease(clock);
    released.markReleased();
    expect(released.lost.aborted).toBe(false);
    expect(released.isValid()).toBe(false);
    expect(released.markLost('late')).toBe(false);
  });
});
