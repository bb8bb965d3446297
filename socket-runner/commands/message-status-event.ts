/**
 * The `message.status` event of a send (D7), as both sides of the runner announce it: the command executor
 * when a send goes out or fails, the receipt recorder when WhatsApp reports it delivered, read or rejected.
 * The event names the send by its command id (the tenant's message id), the recipient by digits, and
 * carries the request's campaign and correlation id.
 */
import type { Clock } from '../../core/clock.ts';
import type { CommandRecord } from '../../core/domain/command.ts';
import type { MessageStatusData } from '../../core/domain/event.ts';
import { newEvent } from '../../core/events/event-publisher.ts';

/** `recipient`: who a receipt came from, named when the command's own `to` is not at hand. */
export function messageStatusEvent(
  record: CommandRecord,
  change: Pick<MessageStatusData, 'status' | 'reason' | 'waMessageId'>,
  clock: Clock,
  recipient?: string,
) {
  const to = (record.payload as { to?: unknown }).to;
  return newEvent(
    'message.status',
    { tenantId: record.tenantId, sessionId: record.sessionId, correlationId: record.correlationId },
    {
      messageId: record.commandId,
      ...change,
      to: typeof to === 'string' ? to.replace(/@.*$/, '') : recipient,
      campaignId: record.campaignId,
    },
    clock,
  );
}
