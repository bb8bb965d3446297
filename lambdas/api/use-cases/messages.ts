/**
 * Sending messages and reading their status trail. A send is a `send_message` command whose id is the
 * message id the tenant sees and whose WhatsApp message id is derived from it (D6), so a retry after an
 * ambiguous failure cannot produce a second, different message, and a receipt leads straight back here.
 */
import type { CommandRecord } from '../../../core/domain/command.ts';
import type { MessageContent, SendMessagePayload } from '../../../core/domain/message.ts';
import { NotFoundError, ValidationError } from '../../../core/errors.ts';
import { newId, waMessageIdFor } from '../../../core/ids.ts';
import { dispatchCommand, expiryFrom } from './dispatch-command.ts';
import { loadPhoneNumbers } from './phone-numbers.ts';
import type { SessionDeps } from './sessions.ts';

export interface SendMessageInput {
  readonly tenantId: string;
  readonly sessionId: string;
  /** E.164 number or WhatsApp JID, as the tenant gave it. */
  readonly to: string;
  readonly content: MessageContent;
  readonly expiresInSeconds?: number;
  readonly correlationId?: string;
}

/** Accepts a message for sending: recorded `queued`, delivered to the owner when there is one. */
export async function sendMessage(deps: SessionDeps, input: SendMessageInput): Promise<CommandRecord<SendMessagePayload>> {
  const { toJid } = await loadPhoneNumbers();
  const to = toJid(input.to);
  if (!to) {
    throw new ValidationError('The recipient is not valid', [
      { in: 'body', path: 'to', message: 'Expected an E.164 phone number (+4915112345678) or a WhatsApp JID' },
    ]);
  }
  const session = await deps.sessions.require(input.tenantId, input.sessionId);
  const commandId = newId(deps.clock.now());
  return dispatchCommand<SendMessagePayload>(deps, session, {
    commandId,
    type: 'send_message',
    payload: { ...input.content, to },
    waMessageId: waMessageIdFor(commandId),
    notAfter: expiryFrom(deps.clock, deps.commandTtlSeconds, input.expiresInSeconds),
    correlationId: input.correlationId,
  });
}

/** A sent message's command record (status and trail); 404 for other tenants, sessions and command types. */
export async function readMessage(
  deps: Pick<SessionDeps, 'commands'>,
  input: { tenantId: string; sessionId: string; messageId: string },
): Promise<CommandRecord<SendMessagePayload>> {
  const record = await deps.commands.get<SendMessagePayload>(input.tenantId, input.sessionId, input.messageId);
  if (!record || record.type !== 'send_message') throw new NotFoundError('Message', 'message_not_found');
  return record;
}
