import { proto, type WAMessage } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { waMessageIdFor } from '../../../../core/ids.ts';
import { toReceipts, toReceivedMessage, toUserReceipts } from '../../../../socket-runner/whatsapp/inbound-message.ts';

const commandId = '01JD0000000000000000000000';

function inbound(message: proto.IMessage, key: Partial<WAMessage['key']> = {}): WAMessage {
  return {
    key: { remoteJid: '4915112345678@s.whatsapp.net', id: 'WAMSG1', fromMe: false, ...key },
    message,
    messageTimestamp: 1_790_000_000,
    pushName: 'Ada',
  };
}

describe('toReceivedMessage', () => {
  it('describes a text with the sender as digits', () => {
    expect(toReceivedMessage(inbound({ conversation: 'hi' }))).toEqual({
      waMessageId: 'WAMSG1',
      from: '4915112345678',
      chat: '4915112345678',
      pushName: 'Ada',
      timestamp: new Date(1_790_000_000_000).toISOString(),
      type: 'text',
      text: 'hi',
    });
  });

  it('prefers the phone number when the chat is addressed by LID', () => {
    const out = toReceivedMessage(inbound({ conversation: 'hi' }, { remoteJid: '123456789@lid', remoteJidAlt: '4915112345678@s.whatsapp.net' }));
    expect(out).toMatchObject({ from: '4915112345678', chat: '4915112345678' });
  });

  it('names the participant in a group and keeps the group as chat', () => {
    const out = toReceivedMessage(inbound({ conversation: 'hi all' }, { remoteJid: '1203630@g.us', participant: '447700900123@s.whatsapp.net' }));
    expect(out).toMatchObject({ from: '447700900123', chat: '1203630@g.us' });
  });

  it('skips own messages, status broadcasts and protocol messages', () => {
    expect(toReceivedMessage(inbound({ conversation: 'x' }, { fromMe: true }))).toBeUndefined();
    expect(toReceivedMessage(inbound({ conversation: 'x' }, { remoteJid: 'status@broadcast', participant: '4915112345678@s.whatsapp.net' }))).toBeUndefined();
    expect(toReceivedMessage(inbound({ protocolMessage: { type: proto.Message.ProtocolMessage.Type.REVOKE } }))).toBeUndefined();
    expect(toReceivedMessage(inbound({}))).toBeUndefined();
  });

  it('gives media metadata, not the media', () => {
    const out = toReceivedMessage(
      inbound({ documentMessage: { mimetype: 'application/pdf', fileName: 'a.pdf', fileLength: 1234, caption: 'see', url: 'https://mmg/x' } }),
    );
    expect(out).toMatchObject({ type: 'document', media: { mimetype: 'application/pdf', fileName: 'a.pdf', fileLength: 1234, caption: 'see' } });
    expect(JSON.stringify(out)).not.toContain('mmg');
  });

  it('unwraps ephemeral messages', () => {
    expect(toReceivedMessage(inbound({ ephemeralMessage: { message: { imageMessage: { mimetype: 'image/jpeg' } } } }))).toMatchObject({ type: 'image' });
  });

  it('reports a reply to our own message by our message id', () => {
    const out = toReceivedMessage(
      inbound({ extendedTextMessage: { text: 'yes', contextInfo: { stanzaId: waMessageIdFor(commandId), participant: 'me' } } }),
    );
    expect(out).toMatchObject({ type: 'text', text: 'yes', replyTo: commandId });
  });

  it('reports reactions and locations', () => {
    expect(toReceivedMessage(inbound({ reactionMessage: { text: '❤️', key: { id: 'OTHER' } } }))).toMatchObject({
      type: 'reaction',
      reaction: { emoji: '❤️', targetMessageId: 'OTHER' },
    });
    expect(toReceivedMessage(inbound({ locationMessage: { degreesLatitude: 1.5, degreesLongitude: 2.5, name: 'here' } }))).toMatchObject({
      type: 'location',
      location: { latitude: 1.5, longitude: 2.5, name: 'here' },
    });
  });
});

describe('receipts', () => {
  const key = { remoteJid: '4915112345678@s.whatsapp.net', id: waMessageIdFor(commandId), fromMe: true };

  it('maps message status updates of our own messages', () => {
    const S = proto.WebMessageInfo.Status;
    expect(
      toReceipts([
        { key, update: { status: S.SERVER_ACK } },
        { key, update: { status: S.DELIVERY_ACK } },
        { key, update: { status: S.READ } },
        { key, update: { status: S.PLAYED } },
        { key, update: { status: S.PENDING } },
        { key, update: { status: S.ERROR } },
        { key: { ...key, fromMe: false }, update: { status: S.READ } },
      ]).map((r) => r.status),
    ).toEqual(['sent', 'delivered', 'read', 'read', 'failed']);
  });

  it('maps per-user receipts', () => {
    expect(toUserReceipts([{ key, receipt: { userJid: 'u', receiptTimestamp: 1_790_000_000 } }])).toEqual([
      { waMessageId: key.id, status: 'delivered', recipient: '4915112345678', at: new Date(1_790_000_000_000).toISOString() },
    ]);
    expect(toUserReceipts([{ key, receipt: { userJid: 'u', readTimestamp: 1_790_000_001 } }])[0]?.status).toBe('read');
  });
});
