/**
 * Per-session send pacing (D6): a token bucket from the session's `pacing` (sustained `perMinute`, up to
 * `burst` back to back) plus a random jitter of up to `jitterMs` before every send, so a session's sends
 * neither exceed what WhatsApp tolerates from one number nor go out at machine-regular intervals.
 *
 * The session's command lane runs one command at a time, so there is one taker at a time: a take that
 * finds the bucket empty reserves the next token (the count goes negative) and sleeps until it refills.
 */
import type { Clock } from '../../core/clock.ts';
import type { Pacing } from '../../core/domain/session.ts';

export class PacingAbortedError extends Error {
  constructor() {
    super('pacing wait aborted');
    this.name = 'PacingAbortedError';
  }
}

export class Pacer {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private pacing: Pacing,
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {
    this.tokens = pacing.burst;
    this.refilledAt = clock.monotonic();
  }

  /** Applies new settings (the tenant changed them); tokens above the new burst are dropped. */
  update(pacing: Pacing): void {
    this.refill();
    this.pacing = pacing;
    this.tokens = Math.min(this.tokens, pacing.burst);
  }

  /** The delay the next send would wait for its token now, without the jitter. */
  nextDelayMs(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) * this.msPerToken());
  }

  /**
   * Waits until the next send may go out: its token, then the jitter. Resolves with the total wait in ms;
   * rejects with PacingAbortedError when `signal` aborts (the token stays spent: pacing errs on the slow side).
   */
  async take(signal?: AbortSignal): Promise<number> {
    this.refill();
    this.tokens -= 1;
    const tokenWait = this.tokens >= 0 ? 0 : Math.ceil(-this.tokens * this.msPerToken());
    const jitter = Math.floor(this.random() * (this.pacing.jitterMs + 1));
    const wait = tokenWait + jitter;
    if (wait > 0) await sleep(wait, signal);
    else if (signal?.aborted) throw new PacingAbortedError();
    return wait;
  }

  private msPerToken(): number {
    return 60_000 / this.pacing.perMinute;
  }

  private refill(): void {
    const now = this.clock.monotonic();
    const elapsed = Math.max(0, now - this.refilledAt);
    this.refilledAt = now;
    this.tokens = Math.min(this.pacing.burst, this.tokens + elapsed / this.msPerToken());
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new PacingAbortedError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new PacingAbortedError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
