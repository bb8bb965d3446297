/**
 * The auth state's log for one session: the runner's logger with the session's keys added to each line.
 * Not a Powertools child logger: a child costs ~8 KB of heap and ~0.3 ms to build (its own Console, stores
 * and settings), once per session, for a handful of rare lines (opened, backups, fencing).
 */
import type { Logger } from '../../core/logger.ts';

type Line = (message: string, attributes?: Readonly<Record<string, unknown>>) => void;

/** The part of a logger the auth state uses: a constant message and its data. */
export interface SessionLog {
  readonly info: Line;
  readonly warn: Line;
  readonly error: Line;
}

export function sessionLog(logger: Logger, keys: Readonly<Record<string, unknown>>): SessionLog {
  return {
    info: (message, attributes) => logger.info(message, { ...keys, ...attributes }),
    warn: (message, attributes) => logger.warn(message, { ...keys, ...attributes }),
    error: (message, attributes) => logger.error(message, { ...keys, ...attributes }),
  };
}
