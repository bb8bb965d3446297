/**
 * A stand-in for the socket runner's command loop, for the requests the API waits on: it long-polls a
 * slot queue, reads each command from DynamoDB and answers it the way a runner does (sending -> sent with a
 * result, or failed), as `answer` decides.
 */
import type { CommandRecord } from '../../../../core/domain/command.ts';
import type { ApiHarness } from './api-harness.ts';
import { slotQueues } from './runner-state.ts';

export type Answer = { result: Record<string, unknown> } | { failure: { code: string; message: string } } | 'ignore';

export interface FakeRunner {
  /** Commands it saw, in order. */
  readonly seen: CommandRecord[];
  stop(): Promise<void>;
}

export function startFakeRunner(h: ApiHarness, slot: number, answer: (command: CommandRecord) => Answer): FakeRunner {
  const queue = slotQueues(h).queue(slot);
  const seen: CommandRecord[] = [];
  const abort = new AbortController();
  const loop = (async () => {
    while (!abort.signal.aborted) {
      const messages = await queue.receive({ waitSeconds: 1, abortSignal: abort.signal }).catch(() => []);
      for (const message of messages) {
        const { tenantId, sessionId, commandId } = JSON.parse(message.body);
        const command = await h.deps.commands.get(tenantId, sessionId, commandId);
        await queue.delete(message.receiptHandle);
        if (!command) continue;
        seen.push(command);
        const reply = answer(command);
        if (reply === 'ignore') continue;
        await h.deps.commands.transition(tenantId, sessionId, commandId, 'sending');
        if ('result' in reply) await h.deps.commands.transition(tenantId, sessionId, commandId, 'sent', { result: reply.result });
        else await h.deps.commands.transition(tenantId, sessionId, commandId, 'failed', { failure: reply.failure });
      }
    }
  })();
  return {
    seen,
    stop: async () => {
      abort.abort();
      await loop;
    },
  };
}
