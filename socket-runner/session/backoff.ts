/**
 * Reconnect timing for the session actor: exponential backoff with full jitter (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"): delay = random(0, min(cap, base * 2^attempt)). Full jitter spreads a
 * fleet's reconnects after a WhatsApp-side outage instead of having every session retry in lockstep.
 */

export interface BackoffOptions {
  readonly baseMs: number;
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1_000, capMs: 60_000 };

/** The delay before retry number `attempt` (0 = the first retry), in [0, min(cap, base * 2^attempt)). */
export function fullJitterDelay(attempt: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  return Math.floor(random() * ceiling);
}
