/**
 * A pause that ends early, without an error, when its signal aborts: what polling loops (the runner's
 * command loop, the local stack's SQS pollers) wait with between rounds so that a stop is prompt.
 */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
