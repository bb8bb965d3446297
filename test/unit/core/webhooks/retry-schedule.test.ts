import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JITTER_RATIO, MAX_ATTEMPTS, RETRY_DELAYS_MS, judgeAttempt, retryDelayMs } from '../../../../core/webhooks/retry-schedule.ts';

describe('retry schedule', () => {
  it('waits 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h between eight attempts, then stops', () => {
    const middle = () => 0.5;
    expect(Array.from({ length: MAX_ATTEMPTS }, (_, i) => retryDelayMs(i + 1, middle))).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, undefined,
    ]);
    expect(MAX_ATTEMPTS).toBe(8);
    const totalHours = RETRY_DELAYS_MS.reduce((sum, ms) => sum + ms, 0) / 3_600_000;
    expect(totalHours).toBeGreaterThan(24);
    expect(totalHours).toBeLessThan(30);
  });

  it('keeps every jittered wait within ±20 % of its base, and jitter actually spreads them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: MAX_ATTEMPTS - 1 }), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const base = RETRY_DELAYS_MS[attempt - 1]!;
        const delay = retryDelayMs(attempt, () => r)!;
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * (1 - JITTER_RATIO)));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * (1 + JITTER_RATIO)));
      }),
    );
    expect(retryDelayMs(2, () => 0)).toBe(240_000);
    expect(retryDelayMs(2, () => 0.999)).toBeGreaterThan(359_000);
  });
});

describe('judgeAttempt', () => {
  it.each([
    [{ statusCode: 200 }, 'succeeded'],
    [{ statusCode: 204 }, 'succeeded'],
    [{ statusCode: 500, error: 'http_error' }, 'retry'],
    [{ statusCode: 503, error: 'http_error' }, 'retry'],
    [{ statusCode: 408, error: 'http_error' }, 'retry'],
    [{ statusCode: 429, error: 'http_error' }, 'retry'],
    [{ statusCode: 302, error: 'redirect_not_followed' }, 'retry'],
    [{ statusCode: 400, error: 'http_error' }, 'give_up'],
    [{ statusCode: 401, error: 'http_error' }, 'give_up'],
    [{ statusCode: 404, error: 'http_error' }, 'give_up'],
    [{ statusCode: 410, error: 'http_error' }, 'gone'],
    [{ error: 'timeout' }, 'retry'],
    [{ error: 'connection_failed' }, 'retry'],
    [{ error: 'dns_failed' }, 'retry'],
    [{ error: 'tls_failed' }, 'retry'],
    [{ error: 'address_forbidden' }, 'give_up'],
    [{ error: 'endpoint_missing' }, 'give_up'],
    [{ error: 'endpoint_disabled' }, 'give_up'],
  ] as const)('%o -> %s', (outcome, verdict) => {
    expect(judgeAttempt(outcome)).toBe(verdict);
  });
});
