/**
 * A tenant refers to an earlier message (reply target, reaction target) either by our message id (the
 * command id of a send) or by a WhatsApp message id (of a message the session received, or one we sent:
 * those are derived from command ids and reversible, core/ids.ts). This resolves either to the WhatsApp id
 * plus whether the message was ours.
 */
import { commandIdFromWaMessageId, isId, waMessageIdFor } from '../../core/ids.ts';

export interface MessageRef {
  readonly waMessageId: string;
  readonly fromMe: boolean;
  /** The command that sent it, when it was ours. */
  readonly commandId?: string;
}

export function resolveMessageRef(id: string): MessageRef {
  if (isId(id)) return { waMessageId: waMessageIdFor(id), fromMe: true, commandId: id };
  const commandId = commandIdFromWaMessageId(id);
  if (commandId) return { waMessageId: id, fromMe: true, commandId };
  return { waMessageId: id, fromMe: false };
}
