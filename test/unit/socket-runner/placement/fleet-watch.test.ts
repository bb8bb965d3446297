import { describe, expect, it } from 'vitest';
import { systemClock } from '../../../../core/clock.ts';
import type { RunnerInfo, RunnerRegistry } from '../../../../socket-runner/lease/runner-registry.ts';
import { FleetWatch, fleetView } from '../../../../socket-runner/placement/fleet-watch.ts';

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

  it('stops vouching for a peer whose heartbeat is late, and no longer counts it for the fair share', () => {
    const view = fleetView([runner('me'), runner('b', { heartbeatAt: NOW - 5_001 })], 'me', NOW, 5_000);
    expect(view.vouched.has('b')).toBe(false);
    expect(view.peerCounts).toEqual([]);
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

describe('when the next placement round runs', () => {
  function watchOver(live: () => RunnerInfo[]) {
    const registry = { live: async () => live() } as unknown as RunnerRegistry;
    return new FleetWatch({ runnerId: 'me', registry, clock: systemClock, config: { intervalMs: 10_000, watchMs: 20, suspectAfterMs: 5_000 } });
  }
  const now = () => ({ ...runner('b'), heartbeatAt: Date.now() });
  const waited = async (watch: FleetWatch, act: () => void) => {
    const started = Date.now();
    const due = watch.untilDue(AbortSignal.timeout(2_000));
    act();
    await due;
    return Date.now() - started;
  };

  it('waits for the interval while nothing changes, and runs within a watch period when asked to', async () => {
    const watch = watchOver(() => [now()]);
    watch.roundDone(await watch.view());
    expect(await waited(watch, () => undefined)).toBeGreaterThanOrEqual(1_900); // the 2 s abort, not the 10 s interval
    watch.roundDone(await watch.view());
    expect(await waited(watch, () => watch.runSoon())).toBeLessThan(1_000);
  });

  it('runs as soon as a heartbeat read shows a peer draining', async () => {
    let draining = false;
    const watch = watchOver(() => [{ ...now(), draining }]);
    watch.roundDone(await watch.view());
    expect(await waited(watch, () => (draining = true))).toBeLessThan(1_000);
  });

  it('runs when a watched lease becomes claimable rather than at the interval', async () => {
    const watch = watchOver(() => [now()]);
    watch.roundDone(await watch.view(), 100);
    expect(await waited(watch, () => undefined)).toBeLessThan(1_000);
  });
});
