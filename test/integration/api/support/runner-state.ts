/**
 * Puts sessions into the states a socket runner would write (owner, slot, status, QR), through the same
 * fenced repository call a runner uses, and reads what reached a slot queue.
 */
import { SlotQueues } from '../../../../core/commands/slot-queues.ts';
import type { CommandEnvelope } from '../../../../core/domain/command.ts';
import type { SessionStatus } from '../../../../core/domain/session.ts';
import { queueUrlFromEnv, queues, slotCountFromEnv } from '../../../../core/resource-config.ts';
import type { OwnerPatch } from '../../../../core/sessions/session-repository.ts';
import type { ApiHarness } from './api-harness.ts';

export async function ownedBy(
  h: ApiHarness,
  tenantId: string,
  sessionId: string,
  status: SessionStatus,
  patch: OwnerPatch = {},
): Promise<void> {
  await h.deps.sessions.updateFromOwner(tenantId, sessionId, 1, { status, ownerRunnerId: 'runner-1', slot: 0, ...patch });
}

export function slotQueues(h: ApiHarness): SlotQueues {
  return new SlotQueues(h.aws.clients.sqs, queueUrlFromEnv(queues.commands, h.aws.env), slotCountFromEnv(h.aws.env));
}

/** Envelopes waiting on a slot's queue, received and deleted. */
export async function drainSlot(h: ApiHarness, slot: number): Promise<CommandEnvelope[]> {
  const queue = slotQueues(h).queue(slot);
  const envelopes: CommandEnvelope[] = [];
  for (;;) {
    const messages = await queue.receive({ waitSeconds: 0, maxMessages: 10 });
    if (messages.length === 0) return envelopes;
    envelopes.push(...messages.map((message) => JSON.parse(message.body) as CommandEnvelope));
    await queue.deleteMany(messages.map((message) => message.receiptHandle));
  }
}
