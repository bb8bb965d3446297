/**
 * Bounded waiting for the demo's asynchronous steps (a runner claiming a session, a receipt, a webhook):
 * poll a probe until it yields a value, or fail the step with what was awaited and the last thing seen.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { StepFailure } from './step-failure.ts';

export interface WaitOptions {
  /** The step's title, named in the failure. */
  readonly step: string;
  /** What is awaited, e.g. "the session to reach status open". */
  readonly what: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly hint?: string;
}

/** What a probe returns: `done` with the value, or `pending` with a note on the state it saw. */
export type Probe<T> = () => Promise<{ done: true; value: T } | { done: false; seen?: string }>;

export async function eventually<T>(probe: Probe<T>, options: WaitOptions): Promise<T> {
  const started = performance.now();
  let seen: string | undefined;
  for (;;) {
    const outcome = await probe();
    if (outcome.done) return outcome.value;
    seen = outcome.seen ?? seen;
    const elapsed = performance.now() - started;
    if (elapsed >= options.timeoutMs) {
      const last = seen ? `; last seen: ${seen}` : '';
      throw new StepFailure(options.step, `gave up waiting for ${options.what} after ${Math.round(options.timeoutMs / 1000)} s${last}`, options.hint);
    }
    await sleep(Math.min(options.intervalMs ?? 250, options.timeoutMs - elapsed));
  }
}

export const done = <T>(value: T) => ({ done: true as const, value });
export const pending = (seen?: string) => ({ done: false as const, seen });
