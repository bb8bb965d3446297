/**
 * Why the embedded stack could not start, in one line that names the setting to change (a port in use, an
 * unwritable data directory, a malformed variable). `local/main.ts` prints the message and exits 1, without a
 * stack trace: these are the user's to fix, not bugs.
 */
export class StartupError extends Error {
  constructor(
    message: string,
    /** The environment variable that fixes it, when there is one. */
    readonly setting?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** A listen failure as a StartupError naming the port setting; other errors pass through. */
export function portError(error: unknown, what: string, port: number, setting: string): unknown {
  const code = (error as { code?: string } | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new StartupError(`${what}: port ${port} is already in use; set ${setting} to a free port (0 = any free port)`, setting, { cause: error });
  }
  if (code === 'EACCES') {
    return new StartupError(`${what}: not allowed to listen on port ${port}; set ${setting} to a port above 1023 (0 = any free port)`, setting, { cause: error });
  }
  return error;
}
