/**
 * When a failed webhook delivery is tried again, and which failures are worth trying again.
 *
 * Eight attempts per cycle spread over about a day (the schedule Standard Webhooks senders commonly use):
 * attempt 1 at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h after the previous failure — the last
 * attempt lands about 27.6 h after the first. Each wait gets ±20 % jitter so a receiver that was down does not
 * get every queued delivery back in the same second. Pure functions of the attempt number and a random source,
 * so they are tested without clocks.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Wait before attempt n + 1 after attempt n failed (index n - 1). */
export const RETRY_DELAYS_MS: readonly number[] = [5_000, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR];

/** Attempts per delivery cycle (the first plus one per delay). */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

export const JITTER_RATIO = 0.2;

/**
 * The wait before the next attempt after `attempt` (1-based) failed, or undefined when it was the last.
 * `random` returns [0, 1) (Math.random in production, seeded in tests).
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number | undefined {
  const base = RETRY_DELAYS_MS[attempt - 1];
  if (base === undefined) return undefined;
  return Math.round(base * (1 - JITTER_RATIO + 2 * JITTER_RATIO * random()));
}

/** What a delivery attempt came to, as the HTTP sender reports it. */
export interface AttemptOutcome {
  /** HTTP status, when the receiver answered. */
  readonly statusCode?: number;
  /** Transport or policy failure when there is no usable answer. */
  readonly error?: DeliveryErrorCode;
}

export type DeliveryErrorCode =
  | 'timeout'
  | 'connection_failed'
  | 'tls_failed'
  | 'dns_failed'
  | 'address_forbidden'
  | 'redirect_not_followed'
  | 'http_error'
  | 'endpoint_missing'
  | 'endpoint_disabled';

export type Verdict = 'succeeded' | 'retry' | 'give_up' | 'gone';

/**
 * Judges an attempt: 2xx succeeded; 410 Gone means the receiver asks us to stop (the endpoint is disabled);
 * other 4xx are the receiver rejecting this request and will not change (no retry), except 408 and 429;
 * 3xx (redirects are not followed), 5xx, timeouts and connection failures are retried. A refused address
 * (SSRF) or a missing or disabled endpoint is final.
 */
export function judgeAttempt(outcome: AttemptOutcome): Verdict {
  if (outcome.error === 'address_forbidden' || outcome.error === 'endpoint_missing' || outcome.error === 'endpoint_disabled') {
    return 'give_up';
  }
  const status = outcome.statusCode;
  if (status === undefined) return 'retry';
  if (status >= 200 && status < 300) return 'succeeded';
  if (status === 410) return 'gone';
  if (status === 408 || status === 429) return 'retry';
  if (status >= 400 && status < 500) return 'give_up';
  return 'retry';
}
