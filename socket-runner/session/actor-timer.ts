/**
 * The session actor's one pending timer: the backoff before the next connection attempt, a dormant
 * session's next poll, or a deletion's deadline. Starting one cancels the one before; the actor stops it on
 * every way out, which is how it leaves no timer behind.
 */
export class ActorTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Runs `run` after `ms`, instead of whatever was pending. */
  start(ms: number, run: () => void): void {
    this.stop();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      run();
    }, ms);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
