import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, fullJitterDelay } from '../../../../socket-runner/session/backoff.ts';

/** mulberry32: a small seeded generator, so the bounds are checked on a reproducible spread of values. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fullJitterDelay', () => {
  it('stays within [0, min(cap, base * 2^attempt)) and spreads across the range', () => {
    const random = seeded(42);
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(60_000, 1_000 * 2 ** attempt);
      const delays = Array.from({ length: 500 }, () => fullJitterDelay(attempt, DEFAULT_BACKOFF, random));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...delays)).toBeLessThan(ceiling);
      expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.9);
      expect(Math.min(...delays)).toBeLessThan(ceiling * 0.1);
    }
  });

  it('is capped at 60 s however many attempts failed', () => {
    expect(fullJitterDelay(1_000, DEFAULT_BACKOFF, () => 0.999_999)).toBe(59_999);
    expect(fullJitterDelay(6, DEFAULT_BACKOFF, () => 0.999_999)).toBe(59_999);
    expect(fullJitterDelay(5, DEFAULT_BACKOFF, () => 0.999_999)).toBe(31_999);
  });

  it('starts from the 1 s base', () => {
    expect(fullJitterDelay(0, DEFAULT_BACKOFF, () => 0.5)).toBe(500);
    expect(fullJitterDelay(1, DEFAULT_BACKOFF, () => 0.5)).toBe(1_000);
  });
});
