/**
 * Outbound message content: the `send_message` command payload, validated by the API (request schema) and
 * turned into Baileys content by the runner. One schema serves both, so what the API accepts is exactly
 * what the runner knows how to send. `to` is stored as a JID after normalisation.
 */
import * as z from 'zod';

/** WhatsApp's own limit for a text body. */
export const MAX_TEXT_LENGTH = 65_536;
export const MAX_CAPTION_LENGTH = 1_024;

const mediaFields = {
  url: z.url({ protocol: /^https?$/ }).max(2_048).describe('Where the runner downloads the media from (http or https).'),
  caption: z.string().max(MAX_CAPTION_LENGTH).optional(),
  mimetype: z
    .string()
    .regex(/^[a-z]+\/[a-z0-9.+-]+$/i)
    .max(128)
    .optional(),
};

const replyTo = z.string().min(1).max(128).optional().describe('Message id (ours or a WhatsApp id) this message replies to.');

export const textContent = z.object({ type: z.literal('text'), text: z.string().min(1).max(MAX_TEXT_LENGTH), replyTo }).strict();
export const imageContent = z.object({ type: z.literal('image'), ...mediaFields, replyTo }).strict();
export const videoContent = z.object({ type: z.literal('video'), ...mediaFields, replyTo }).strict();
export const audioContent = z
  .object({ type: z.literal('audio'), url: mediaFields.url, mimetype: mediaFields.mimetype, ptt: z.boolean().optional(), replyTo })
  .strict();
export const documentContent = z
  .object({ type: z.literal('document'), ...mediaFields, filename: z.string().min(1).max(255).optional(), replyTo })
  .strict();
export const locationContent = z
  .object({
    type: z.literal('location'),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    name: z.string().max(256).optional(),
    address: z.string().max(512).optional(),
    replyTo,
  })
  .strict();
export const contactContent = z
  .object({
    type: z.literal('contact'),
    contact: z
      .object({
        fullName: z.string().min(1).max(256),
        phoneNumber: z.string().min(6).max(32),
        organization: z.string().max(256).optional(),
      })
      .strict(),
    replyTo,
  })
  .strict();
export const reactionContent = z
  .object({
    type: z.literal('reaction'),
    messageId: z.string().min(1).max(128).describe('The message (ours or a WhatsApp id) to react to.'),
    emoji: z.string().max(16).describe('The emoji; an empty string removes the reaction.'),
  })
  .strict();

export const messageContentSchema = z.discriminatedUnion('type', [
  textContent,
  imageContent,
  videoContent,
  audioContent,
  documentContent,
  locationContent,
  contactContent,
  reactionContent,
]);
export type MessageContent = z.infer<typeof messageContentSchema>;
export type MessageType = MessageContent['type'];

/** The stored `send_message` payload: the content plus the normalised recipient JID. */
export type SendMessagePayload = MessageContent & { readonly to: string };

/** `check_contacts` payload and result. */
export interface CheckContactsPayload {
  readonly phoneNumbers: readonly string[];
}
export interface CheckContactsResult {
  readonly contacts: readonly { readonly phoneNumber: string; readonly exists: boolean; readonly jid?: string }[];
}

/** `request_pairing_code` payload and result. */
export interface PairingCodePayload {
  readonly phoneNumber: string;
}
export interface PairingCodeResult {
  readonly code: string;
}
