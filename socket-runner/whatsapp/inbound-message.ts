/**
 * Baileys' inbound `WAMessage` -> the tenant-facing `message.received` data (D7), and Baileys' receipt
 * updates -> our outbound receipts. Pure functions: the adapter calls them on `messages.upsert`,
 * `messages.update` and `message-receipt.update`.
 *
 * Tenant-facing identities are phone digits, never LIDs when the phone number is known (Baileys 7 may
 * address a chat by LID and carry the phone number JID in `remoteJidAlt` / `participantAlt`). A reply or
 * reaction to one of our own messages names our message id (the command id), as `message.status` does.
 */
import {
  getContentType,
  isJidBroadcast,
  isJidGroup,
  isJidNewsletter,
  isJidStatusBroadcast,
  isLidUser,
  jidDecode,
  normalizeMessageContent,
  proto,
  type WAMessage,
  type WAMessageKey,
  type WAMessageUpdate,
  type MessageUserReceiptUpdate,
} from '@whiskeysockets/baileys';
import type { ReceivedMessageData } from '../../core/domain/event.ts';
import { commandIdFromWaMessageId } from '../../core/ids.ts';
import type { OutboundReceipt } from './whatsapp-connection.ts';

type Received = { -readonly [K in keyof ReceivedMessageData]: ReceivedMessageData[K] };

/** The event data for an inbound message, or undefined for what tenants are not told about. */
export function toReceivedMessage(message: WAMessage): ReceivedMessageData | undefined {
  const key = message.key;
  const chatJid = key.remoteJid ?? undefined;
  if (!key.id || !chatJid || key.fromMe) return undefined;
  if (isJidStatusBroadcast(chatJid) || isJidBroadcast(chatJid) || isJidNewsletter(chatJid)) return undefined;
  const content = normalizeMessageContent(message.message);
  const kind = getContentType(content);
  if (!content || !kind || kind === 'protocolMessage' || kind === 'senderKeyDistributionMessage') return undefined;

  const group = isJidGroup(chatJid) === true;
  const from = group ? userOf(key.participant, key.participantAlt) : userOf(chatJid, key.remoteJidAlt);
  if (!from) return undefined;
  const out: Received = {
    waMessageId: key.id,
    from,
    chat: group ? chatJid : from,
    pushName: message.pushName ?? undefined,
    timestamp: toIso(message.messageTimestamp),
    type: 'other',
  };
  describeContent(content, kind, out);
  return out;
}

function describeContent(content: proto.IMessage, kind: keyof proto.IMessage, out: Received): void {
  switch (kind) {
    case 'conversation':
      out.type = 'text';
      out.text = content.conversation ?? '';
      return;
    case 'extendedTextMessage':
      out.type = 'text';
      out.text = content.extendedTextMessage?.text ?? '';
      out.replyTo = ourIdOr(content.extendedTextMessage?.contextInfo?.stanzaId);
      return;
    case 'imageMessage':
    case 'videoMessage':
    case 'audioMessage':
    case 'documentMessage':
    case 'stickerMessage': {
      const media = content[kind] as proto.Message.IImageMessage & proto.Message.IDocumentMessage;
      out.type = kind.replace('Message', '') as Received['type'];
      out.media = {
        mimetype: media.mimetype ?? undefined,
        fileName: media.fileName ?? undefined,
        fileLength: media.fileLength === null || media.fileLength === undefined ? undefined : Number(media.fileLength),
        caption: media.caption ?? undefined,
      };
      out.replyTo = ourIdOr(media.contextInfo?.stanzaId);
      return;
    }
    case 'locationMessage':
    case 'liveLocationMessage': {
      const location = content[kind]!;
      out.type = 'location';
      out.location = {
        latitude: location.degreesLatitude ?? 0,
        longitude: location.degreesLongitude ?? 0,
        name: (location as proto.Message.ILocationMessage).name ?? undefined,
      };
      return;
    }
    case 'contactMessage':
    case 'contactsArrayMessage':
      out.type = 'contact';
      return;
    case 'reactionMessage': {
      const reaction = content.reactionMessage!;
      out.type = 'reaction';
      out.reaction = { emoji: reaction.text ?? '', targetMessageId: ourIdOr(reaction.key?.id) ?? '' };
      return;
    }
    default:
      out.type = 'other';
  }
}

/**
 * Receipts for messages this session sent: `messages.update` (1:1 acks; status 2 server, 3 delivered,
 * 4/5 read/played) and `message-receipt.update` (per-recipient receipts, groups).
 */
export function toReceipts(updates: readonly WAMessageUpdate[]): OutboundReceipt[] {
  const out: OutboundReceipt[] = [];
  for (const { key, update } of updates) {
    if (!key.fromMe || !key.id || typeof update.status !== 'number') continue;
    const status = RECEIPT_STATUS[update.status];
    if (status) out.push({ waMessageId: key.id, status, recipient: recipientOf(key) });
  }
  return out;
}

export function toUserReceipts(updates: readonly MessageUserReceiptUpdate[]): OutboundReceipt[] {
  const out: OutboundReceipt[] = [];
  for (const { key, receipt } of updates) {
    if (!key.fromMe || !key.id) continue;
    if (receipt.readTimestamp || receipt.playedTimestamp) {
      out.push({ waMessageId: key.id, status: 'read', recipient: recipientOf(key), at: toIso(receipt.readTimestamp ?? receipt.playedTimestamp) });
    } else if (receipt.receiptTimestamp) {
      out.push({ waMessageId: key.id, status: 'delivered', recipient: recipientOf(key), at: toIso(receipt.receiptTimestamp) });
    }
  }
  return out;
}

const RECEIPT_STATUS: Partial<Record<number, OutboundReceipt['status']>> = {
  [proto.WebMessageInfo.Status.ERROR]: 'failed',
  [proto.WebMessageInfo.Status.SERVER_ACK]: 'sent',
  [proto.WebMessageInfo.Status.DELIVERY_ACK]: 'delivered',
  [proto.WebMessageInfo.Status.READ]: 'read',
  [proto.WebMessageInfo.Status.PLAYED]: 'read',
};

function recipientOf(key: WAMessageKey): string | undefined {
  const jid = key.remoteJid ?? undefined;
  if (!jid) return undefined;
  return isJidGroup(jid) ? jid : userOf(jid, key.remoteJidAlt);
}

/** The phone digits of a user JID, preferring the phone-number JID over a LID. */
function userOf(jid: string | null | undefined, alt: string | null | undefined): string | undefined {
  const candidates = isLidUser(jid ?? undefined) ? [alt, jid] : [jid, alt];
  for (const candidate of candidates) {
    if (!candidate || isLidUser(candidate)) continue;
    const user = jidDecode(candidate)?.user;
    if (user && /^[0-9]+$/.test(user)) return user;
  }
  const lid = jidDecode(jid ?? undefined)?.user;
  return lid ? `${lid}@lid` : undefined;
}

/** A quoted or reacted-to message id: ours (the command id) when we sent it, else the WhatsApp id. */
function ourIdOr(waMessageId: string | null | undefined): string | undefined {
  if (!waMessageId) return undefined;
  return commandIdFromWaMessageId(waMessageId) ?? waMessageId;
}

function toIso(timestamp: number | { toNumber(): number } | null | undefined): string {
  const seconds = typeof timestamp === 'number' ? timestamp : timestamp ? timestamp.toNumber() : 0;
  return new Date(seconds > 0 ? seconds * 1000 : Date.now()).toISOString();
}
