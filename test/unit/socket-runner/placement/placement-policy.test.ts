import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { claimLimit, fairShare, preferenceOrder, shouldHandOver } from '../../../../socket-runner/placement/placement-policy.ts';

describe('placement policy', () => {
  it('aims at ceil(sessions / runners), counting this runner', () => {
    expect(fairShare({ runnable: 10, peers: [] })).toBe(10);
    expect(fairShare({ runnable: 10, peers: [0] })).toBe(5);
    expect(fairShare({ runnable: 10, peers: [0, 0] })).toBe(4);
    expect(fairShare({ runnable: 0, peers: [3] })).toBe(0);
  });

  it('claims only up to the share while a peer is below it, up to share + slack otherwise', () => {
    expect(claimLimit({ runnable: 10, owned: 0, peers: [2], slack: 1 })).toBe(5);
    expect(claimLimit({ runnable: 10, owned: 0, peers: [5], slack: 1 })).toBe(6);
  });

  it('hands over above the share when a peer is below it, or above share + slack', () => {
    expect(shouldHandOver({ runnable: 10, owned: 10, peers: [0], slack: 1 })).toBe(true);
    expect(shouldHandOver({ runnable: 10, owned: 6, peers: [4], slack: 1 })).toBe(true);
    expect(shouldHandOver({ runnable: 10, owned: 6, peers: [5], slack: 1 })).toBe(false);
    expect(shouldHandOver({ runnable: 10, owned: 7, peers: [5], slack: 1 })).toBe(true);
    expect(shouldHandOver({ runnable: 10, owned: 5, peers: [0], slack: 1 })).toBe(false);
  });

  it('orders candidates differently per runner, and stably per runner', () => {
    const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);
    const a = preferenceOrder('runner-a', ids, (id) => id);
    expect(preferenceOrder('runner-a', [...ids].reverse(), (id) => id)).toEqual(a);
    expect(preferenceOrder('runner-b', ids, (id) => id)).not.toEqual(a);
    expect([...a].sort()).toEqual([...ids].sort());
  });

  it('converges from any split: all claimed, none above share + slack, none above share while one is below', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.array(fc.nat(60), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 2 }),
        (sessions, start, slack) => {
          // Runners take turns; a handed-over session returns to the pool; claims take from the pool.
          let owned = start.map((n) => Math.min(n, sessions));
          let assigned = owned.reduce((sum, n) => sum + n, 0);
          for (let i = 0; assigned > sessions; i = (i + 1) % owned.length) {
            const taken = Math.min(owned[i] as number, assigned - sessions);
            owned[i] = (owned[i] as number) - taken;
            assigned -= taken;
          }
          let pool = sessions - assigned;
          let lastChange = 0;
          for (let round = 0; round < 400; round++) {
            const before = owned.join(',');
            owned = owned.map((mine, index, all) => {
              const view = { runnable: sessions, owned: mine, peers: all.filter((_, j) => j !== index), slack };
              if (shouldHandOver(view)) {
                pool++;
                return mine - 1;
              }
              const take = Math.max(0, Math.min(claimLimit(view) - mine, pool));
              pool -= take;
              return mine + take;
            });
            if (owned.join(',') !== before) lastChange = round;
          }
          const share = Math.ceil(sessions / owned.length);
          expect(pool).toBe(0);
          expect(lastChange).toBeLessThan(350);
          expect(Math.max(...owned)).toBeLessThanOrEqual(share + slack);
          if (Math.min(...owned) < share) expect(Math.max(...owned)).toBeLessThanOrEqual(share);
        },
      ),
    );
  });
});
