/**
 * Waits for a promise at most `ms` milliseconds: true when it settled (resolved or rejected) in time,
 * false when the time ran out first. The promise itself keeps running; only the wait is bounded.
 */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  if (ms <= 0) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = promise.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
