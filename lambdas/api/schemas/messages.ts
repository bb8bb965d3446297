/**
 * Request and response schemas of messages and contact checks. The send body is the shared message content
 * schema (core/domain/message.ts, which the runner also uses) plus the recipient and an optional expiry,
 * so the API accepts exactly what the runner can send.
 */
import * as z from 'zod';
import { commandStatuses } from '../../../core/domain/command.ts';
import {
  audioContent,
  contactContent,
  documentContent,
  imageContent,
  locationContent,
  reactionContent,
  textContent,
  videoContent,
} from '../../../core/domain/message.ts';
import { idParam, timestamp } from './common.ts';

export const MAX_CONTACTS_PER_CHECK = 50;

const envelope = {
  to: z
    .string()
    .min(3)
    .max(128)
    .meta({ description: 'Recipient: an E.164 phone number or a WhatsApp JID (user, group).', example: '+4915112345678' }),
  expiresInSeconds: z
    .number()
    .int()
    .min(1)
    .meta({ description: 'Give up if not sent within this many seconds (capped by the server\'s command TTL).' })
    .optional(),
};

export const sendMessageBody = z
  .discriminatedUnion('type', [
    textContent.extend(envelope).meta({ id: 'SendText' }),
    imageContent.extend(envelope).meta({ id: 'SendImage' }),
    videoContent.extend(envelope).meta({ id: 'SendVideo' }),
    audioContent.extend(envelope).meta({ id: 'SendAudio' }),
    documentContent.extend(envelope).meta({ id: 'SendDocument' }),
    locationContent.extend(envelope).meta({ id: 'SendLocation' }),
    contactContent.extend(envelope).meta({ id: 'SendContact' }),
    reactionContent.extend(envelope).meta({ id: 'SendReaction' }),
  ])
  .meta({ id: 'SendMessageRequest' });
export type SendMessageBody = z.infer<typeof sendMessageBody>;

export const messageAccepted = z
  .object({
    messageId: z.string(),
    status: z.literal('queued'),
    waMessageId: z.string().meta({ description: 'The WhatsApp message id it will carry.' }),
    notAfter: timestamp,
  })
  .meta({ id: 'MessageAccepted' });

export const messageParams = z.object({ id: idParam, messageId: idParam });

const trailEntry = z.object({ status: z.enum(commandStatuses), at: timestamp, reason: z.string().optional() });

export const messageView = z
  .object({
    messageId: z.string(),
    sessionId: z.string(),
    type: z.string(),
    to: z.string().meta({ description: 'Recipient JID.' }),
    status: z.enum(commandStatuses),
    waMessageId: z.string().optional(),
    trail: z.array(trailEntry).meta({ description: 'Every status the message went through, oldest first.' }),
    failure: z.object({ code: z.string(), message: z.string() }).optional(),
    notAfter: timestamp,
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Message' });

export const checkContactsBody = z
  .object({ phoneNumbers: z.array(z.string().min(1).max(32)).min(1).max(MAX_CONTACTS_PER_CHECK) })
  .strict()
  .meta({ id: 'CheckContactsRequest' });

export const contactsChecked = z
  .object({
    contacts: z.array(
      z.object({ phoneNumber: z.string(), exists: z.boolean(), jid: z.string().optional() }),
    ),
  })
  .meta({ id: 'CheckContactsResult' });
