import { describe, expect, it } from 'vitest';
import type { CommandRecord } from '../../../../../core/domain/command.ts';
import { ConflictError } from '../../../../../core/errors.ts';
import { awaitCommandResult, RunnerTimeoutError, type AwaitDeps } from '../../../../../lambdas/api/use-cases/await-command-result.ts';

const ref = { tenantId: 't', sessionId: 's', commandId: 'c' };

/** A command store whose record changes as virtual time passes, with a clock that sleeping advances. */
function world(timeline: (elapsedMs: number) => Partial<CommandRecord>) {
  let elapsed = 0;
  const sleeps: number[] = [];
  const transitions: string[] = [];
  let failed = false;
  const record = (): CommandRecord =>
    ({ ...ref, type: 'check_contacts', status: failed ? 'failed' : 'queued', trail: [], ...(failed ? {} : timeline(elapsed)) }) as CommandRecord;
  const deps: AwaitDeps = {
    clock: { now: () => elapsed, monotonic: () => elapsed },
    sleep: async (ms) => {
      sleeps.push(ms);
      elapsed += ms;
    },
    commands: {
      get: async () => record() as never,
      transition: async (_t, _s, _c, next) => {
        transitions.push(next);
        if (record().status !== 'queued' || record().result) return undefined;
        failed = true;
        return record() as never;
      },
    },
  };
  return { deps, sleeps, transitions };
}

describe('awaitCommandResult', () => {
  it('returns the result once the runner writes it, polling with growing delays', async () => {
    const { deps, sleeps } = world((elapsed) => (elapsed >= 1_400 ? { status: 'sent', result: { code: 'ABC' } } : {}));
    await expect(awaitCommandResult(deps, ref, 10_000)).resolves.toEqual({ code: 'ABC' });
    expect(sleeps).toEqual([100, 200, 400, 800]);
  });

  it('raises the runner\'s failure as a conflict with its reason', async () => {
    const { deps } = world(() => ({ status: 'failed', failure: { code: 'not_on_whatsapp', message: 'nope' } }));
    const error = await awaitCommandResult(deps, ref, 10_000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).details).toEqual({ reason: 'not_on_whatsapp' });
  });

  it('gives up at the deadline, never sleeping past it, and fails the command', async () => {
    const { deps, sleeps, transitions } = world(() => ({}));
    await expect(awaitCommandResult(deps, ref, 2_500)).rejects.toBeInstanceOf(RunnerTimeoutError);
    expect(sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(2_500);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(1_000);
    expect(transitions).toEqual(['failed']);
  });

  it('uses an answer that lands between the last poll and the timeout', async () => {
    const { deps, transitions } = world((elapsed) => (elapsed >= 2_500 ? { status: 'sent', result: { code: 'LATE' } } : {}));
    let polls = 0;
    const get = deps.commands.get;
    const racing: AwaitDeps = {
      ...deps,
      commands: {
        ...deps.commands,
        // Every poll up to the deadline (0, 100, 300, 700, 1500, 2500 ms) sees nothing; the runner answers just after.
        get: async (...args) => (polls++ < 6 ? { ...(await get(...args))!, result: undefined, status: 'queued' } : get(...args)),
      },
    };
    await expect(awaitCommandResult(racing, ref, 2_500)).resolves.toEqual({ code: 'LATE' });
    expect(transitions).toEqual(['failed']);
    expect(polls).toBe(7);
  });
});
