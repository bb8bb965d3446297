/**
 * Waiting for a runner's answer to a synchronous command (pairing code, contacts check): poll the command
 * item with backoff until the runner writes `result` or fails it, up to a deadline. On timeout the command is
 * failed (`timed_out`) so a late runner does not act on a request nobody waits for any more; if the runner
 * won that race, its answer is used after all.
 */
import type { Clock } from '../../../core/clock.ts';
import type { CommandRepository } from '../../../core/commands/command-repository.ts';
import type { CommandRecord } from '../../../core/domain/command.ts';
import { AppError, ConflictError } from '../../../core/errors.ts';

/** The owner runner did not answer in time (504). */
export class RunnerTimeoutError extends AppError {
  constructor(message = 'The session did not answer in time; retry shortly') {
    super('runner_timeout', message, 504);
  }
}

export interface AwaitDeps {
  readonly commands: Pick<CommandRepository, 'get' | 'transition'>;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface CommandRef {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly commandId: string;
}

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 1_000;

/** The command's `result` once the runner wrote it; ConflictError when it failed; RunnerTimeoutError. */
export async function awaitCommandResult<R>(deps: AwaitDeps, ref: CommandRef, timeoutMs: number): Promise<R> {
  const deadline = deps.clock.monotonic() + timeoutMs;
  let delay = FIRST_DELAY_MS;
  for (;;) {
    const result = settledResult<R>(await deps.commands.get(ref.tenantId, ref.sessionId, ref.commandId));
    if (result !== undefined) return result;
    const remaining = deadline - deps.clock.monotonic();
    if (remaining <= 0) break;
    await deps.sleep(Math.min(delay, remaining));
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
  const failed = await deps.commands.transition(ref.tenantId, ref.sessionId, ref.commandId, 'failed', {
    reason: 'timed_out',
    failure: { code: 'timed_out', message: 'No answer from the session in time' },
    // Not from `sent`: a runner that answered just after the deadline wins, and its result is returned.
    from: ['queued', 'sending'],
  });
  if (!failed) {
    const result = settledResult<R>(await deps.commands.get(ref.tenantId, ref.sessionId, ref.commandId));
    if (result !== undefined) return result;
  }
  throw new RunnerTimeoutError();
}

/** The runner's result; undefined while the command is pending; ConflictError when the runner failed it. */
function settledResult<R>(record: CommandRecord | undefined): R | undefined {
  if (record?.result !== undefined) return record.result as R;
  if (record?.status !== 'failed') return undefined;
  throw new ConflictError('command_failed', record.failure?.message ?? 'The session could not do that', {
    reason: record.failure?.code ?? 'failed',
  });
}
