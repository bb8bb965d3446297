// A fault run is reproducible only if its choices follow from the seed alone.
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../chaos/seeded-random.ts';

describe('seeded random', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const a = Array.from({ length: 5 }, ((rng) => () => rng.next())(new SeededRandom(42)));
    const b = Array.from({ length: 5 }, ((rng) => () => rng.next())(new SeededRandom(42)));
    const c = Array.from({ length: 5 }, ((rng) => () => rng.next())(new SeededRandom(43)));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('forks stable, independent streams by label', () => {
    const root = new SeededRandom(7);
    expect(root.fork('traffic').next()).toBe(new SeededRandom(7).fork('traffic').next());
    expect(root.fork('traffic').next()).not.toBe(root.fork('renewals').next());
  });

  it('keeps ints in range and shuffles without losing items', () => {
    const rng = new SeededRandom(1);
    for (let i = 0; i < 200; i++) {
      const n = rng.int(3, 5);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(5);
    }
    expect(rng.shuffle([1, 2, 3, 4]).sort()).toEqual([1, 2, 3, 4]);
  });
});
