/**
 * Our outbound message content (core/domain/message.ts, validated by the API) -> Baileys' `sendMessage`
 * content and options. Media is passed as whatever `media(url)` returns: the Baileys adapter downloads it
 * through the SSRF-guarded fetch (media-download.ts) and hands Baileys a stream to encrypt and upload.
 */
import type { AnyMessageContent, MiscMessageGenerationOptions, WAMediaUpload, WAMessage } from '@whiskeysockets/baileys';
import type { MessageContent } from '../../core/domain/message.ts';
import { resolveMessageRef } from './message-ref.ts';
import type { SendOptions } from './whatsapp-connection.ts';

export type MediaSource = (url: string) => Promise<WAMediaUpload>;

export interface BaileysMessage {
  readonly content: AnyMessageContent;
  readonly options: MiscMessageGenerationOptions;
}

const DEFAULT_DOCUMENT_MIMETYPE = 'application/octet-stream';

export async function toBaileysMessage(
  jid: string,
  message: MessageContent,
  send: SendOptions,
  media: MediaSource,
): Promise<BaileysMessage> {
  const options: MiscMessageGenerationOptions = { messageId: send.messageId };
  if (send.quoted && message.type !== 'reaction') {
    options.quoted = {
      key: { remoteJid: jid, id: send.quoted.waMessageId, fromMe: send.quoted.fromMe },
      message: { conversation: send.quoted.text ?? '' },
    } satisfies WAMessage;
  }
  return { content: await toContent(jid, message, media), options };
}

async function toContent(jid: string, message: MessageContent, media: MediaSource): Promise<AnyMessageContent> {
  switch (message.type) {
    case 'text':
      return { text: message.text };
    case 'image':
      return { image: await media(message.url), caption: message.caption, ...mimetype(message.mimetype) };
    case 'video':
      return { video: await media(message.url), caption: message.caption, ...mimetype(message.mimetype) };
    case 'audio':
      return { audio: await media(message.url), ptt: message.ptt ?? false, ...mimetype(message.mimetype) };
    case 'document':
      return {
        document: await media(message.url),
        mimetype: message.mimetype ?? DEFAULT_DOCUMENT_MIMETYPE,
        fileName: message.filename,
        caption: message.caption,
      };
    case 'location':
      return {
        location: {
          degreesLatitude: message.latitude,
          degreesLongitude: message.longitude,
          name: message.name,
          address: message.address,
        },
      };
    case 'contact':
      return {
        contacts: {
          displayName: message.contact.fullName,
          contacts: [{ displayName: message.contact.fullName, vcard: toVCard(message.contact) }],
        },
      };
    case 'reaction': {
      const target = resolveMessageRef(message.messageId);
      return { react: { text: message.emoji, key: { remoteJid: jid, id: target.waMessageId, fromMe: target.fromMe } } };
    }
  }
}

function mimetype(value: string | undefined): { mimetype?: string } {
  return value ? { mimetype: value } : {};
}

/** A vCard 3.0 for a contact card; `waid` lets WhatsApp offer "Message" on the card. */
export function toVCard(contact: { fullName: string; phoneNumber: string; organization?: string }): string {
  const digits = contact.phoneNumber.replace(/[^0-9]/g, '');
  const lines = ['BEGIN:VCARD', 'VERSION:3.0', `FN:${escapeVCard(contact.fullName)}`];
  if (contact.organization) lines.push(`ORG:${escapeVCard(contact.organization)};`);
  lines.push(`TEL;type=CELL;type=VOICE;waid=${digits}:+${digits}`, 'END:VCARD');
  return lines.join('\n');
}

function escapeVCard(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\r?\n/g, '\\n').replace(/([,;])/g, '\\$1');
}
