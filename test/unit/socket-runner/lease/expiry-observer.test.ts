import { describe, expect, it } from 'vitest';
import { ExpiryObserver } from '../../../../socket-runner/lease/expiry-observer.ts';
import { sessionLeaseKey, type LeaseItem } from '../../../../socket-runner/lease/lease-records.ts';
import { FakeClock } from './fake-clock.ts';

const key = sessionLeaseKey('tenant-a', 'session-1');
const L = 30_000;

function held(renewToken: string, epoch = 3): LeaseItem {
  return { ...key, kind: 'session', epoch, owner: 'runner-b', renewToken };
}

describe('ExpiryObserver (contender side of D4)', () => {
  it('takes a held lease only after seeing the same token unchanged for L on its own clock', () => {
    const clock = new FakeClock();
    const observer = new ExpiryObserver(clock, L);
    expect(observer.observe(key, held('T0'))).toEqual({ claimable: false, waitMs: L });
    clock.advance(L - 1);
    expect(observer.observe(key, held('T0'))).toEqual({ claimable: false, waitMs: 1 });
    clock.advance(1);
    expect(observer.observe(key, held('T0'))).toEqual({
      claimable: true,
      expected: { state: 'held', epoch: 3, renewToken: 'T0' },
    });
  });

  it('restarts its clock whenever the token or the epoch changes', () => {
    const clock = new FakeClock();
    const observer = new ExpiryObserver(clock, L);
    observer.observe(key, held('T0'));
    clock.advance(25_000);
    expect(observer.observe(key, held('T1'))).toEqual({ claimable: false, waitMs: L });
    clock.advance(25_000);
    expect(observer.observe(key, held('T1', 4))).toEqual({ claimable: false, waitMs: L });
    clock.advance(L);
    expect(observer.observe(key, held('T1', 4)).claimable).toBe(true);
  });

  it('starts counting at the response time it is given, the conservative end of the read', () => {
    const clock = new FakeClock();
    const observer = new ExpiryObserver(clock, L);
    observer.observe(key, held('T0'), { readAt: clock.monotonic() + 2_000 });
    clock.advance(L);
    expect(observer.observe(key, held('T0'))).toEqual({ claimable: false, waitMs: 2_000 });
  });

  it('is not fooled by a wall-clock jump', () => {
    const clock = new FakeClock();
    const observer = new ExpiryObserver(clock, L);
    observer.observe(key, held('T0'));
    clock.jumpWall(3_600_000);
    expect(observer.observe(key, held('T0')).claimable).toBe(false);
  });

  it('offers released and absent leases at once, keeping the epoch sequence', () => {
    const clock = new FakeClock();
    const observer = new ExpiryObserver(clock, L);
    const released: LeaseItem = { ...key, kind: 'session', epoch: 7 };
    expect(observer.observe(key, released)).toEqual({ claimable: true, expected: { state: 'released', epoch: 7 } });
    expect(observer.observe(key, undefined, { baseEpoch: 9 })).toEqual({
      claimable: true,
      expected: { state: 'absent', baseEpoch: 9 },
    });
  });

  it('forgets what it no longer watches, so memory stays bounded', () => {
    const clock = new FakeClock();
    const observer = new ExpiryObserver(clock, L);
    const other = sessionLeaseKey('tenant-a', 'session-2');
    observer.observe(key, held('T0'));
    observer.observe(other, { ...other, kind: 'session', epoch: 1, owner: 'runner-c', renewToken: 'Q' });
    observer.retainOnly([other]);
    expect(observer.size).toBe(1);
    clock.advance(L);
    // The forgotten lease starts over: seeing it once more is a first sighting.
    expect(observer.observe(key, held('T0')).claimable).toBe(false);
  });
});
