/**
 * How `npm start` reads stop signals. The first one starts a graceful stop. npm and tsx forward a terminal's
 * Ctrl-C to the stack, which also gets it from the terminal itself, so a repeat within `sameSignalMs` is the
 * same keypress and ignored; a later one means "now" and forces the exit.
 */
export interface ShutdownSignalOptions {
  readonly stop: (signal: NodeJS.Signals) => void;
  readonly force: (signal: NodeJS.Signals) => void;
  readonly sameSignalMs?: number;
  readonly now?: () => number;
}

export function shutdownSignalHandler(options: ShutdownSignalOptions): (signal: NodeJS.Signals) => void {
  const now = options.now ?? (() => performance.now());
  const sameSignalMs = options.sameSignalMs ?? 1_000;
  let firstAt: number | undefined;
  return (signal) => {
    if (firstAt === undefined) {
      firstAt = now();
      options.stop(signal);
    } else if (now() - firstAt >= sameSignalMs) {
      options.force(signal);
    }
  };
}
