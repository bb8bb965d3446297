import { describe, expect, it } from 'vitest';
import type { RunnerInfo } from '../../../../socket-runner/lease/runner-registry.ts';
import { fleetView } from '../../../../socket-runner/placement/fleet-watch.ts';

const NOW = 1_000_000;
const runner = (runnerId: string, over: Partial<RunnerInfo> = {}): RunnerInfo => ({
  runnerId,
  slot: 0,
  owned: 10,
  draining: false,
  heartbeatAt: NOW - 1_000,
  liveUntil: NOW + 10_000,
  ...over,
});

describe('the fleet as placement sees it', () => {
  it('vouches for peers with a recent heartbeat and counts their sessions for the fair share', () => {
    const view = fleetView([runner('me', { owned: 3 }), runner('b', { owned: 7 }), runner('c', { owned: 9 })], 'me', NOW, 5_000);
    expect([...view.vouched].sort()).toEqual(['b', 'c', 'me']);
    expect(view.peerCounts).toEqual([7, 9]);
    expect(view.draining).toBe(false);
  });

  it('stops vouching for a peer whose heartbeat is late, while still counting it until its TTL', () => {
    const view = fleetView([runner('me'), runner('b', { heartbeatAt: NOW - 5_001 })], 'me', NOW, 5_000);
    expect(view.vouched.has('b')).toBe(false);
    expect(view.peerCounts).toEqual([10]);
  });

  it('neither vouches for nor counts a draining peer, and says one is draining', () => {
    const view = fleetView([runner('me'), runner('b', { draining: true })], 'me', NOW, 5_000);
    expect(view.vouched.has('b')).toBe(false);
    expect(view.peerCounts).toEqual([]);
    expect(view.draining).toBe(true);
  });

  it('does not count a peer without a slot (it serves no sessions) but vouches for it', () => {
    const view = fleetView([runner('me'), runner('b', { slot: undefined })], 'me', NOW, 5_000);
    expect(view.peerCounts).toEqual([]);
    expect(view.vouched.has('b')).toBe(true);
  });

  it('changes its signature when a peer joins, leaves, turns late or starts draining, not when counts move', () => {
    const base = [runner('me'), runner('b')];
    const signature = (live: RunnerInfo[]) => fleetView(live, 'me', NOW, 5_000).signature;
    expect(signature([runner('me', { owned: 1 }), runner('b', { owned: 99 })])).toBe(signature(base));
    expect(signature([...base, runner('c')])).not.toBe(signature(base));
    expect(signature([runner('me')])).not.toBe(signature(base));
    expect(signature([runner('me'), runner('b', { heartbeatAt: NOW - 6_000 })])).not.toBe(signature(base));
    expect(signature([runner('me'), runner('b', { draining: true })])).not.toBe(signature(base));
  });
});
