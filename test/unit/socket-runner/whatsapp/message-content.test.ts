import { describe, expect, it } from 'vitest';
import type { MessageContent } from '../../../../core/domain/message.ts';
import { waMessageIdFor } from '../../../../core/ids.ts';
import { toBaileysMessage, toVCard } from '../../../../socket-runner/whatsapp/message-content.ts';

const jid = '4915112345678@s.whatsapp.net';
const commandId = '01JD0000000000000000000000';
const media = async (url: string) => ({ url: `fetched:${url}` });
const convert = (content: MessageContent, quoted?: Parameters<typeof toBaileysMessage>[2]['quoted']) =>
  toBaileysMessage(jid, content, { messageId: 'WAID', quoted }, media);

describe('toBaileysMessage', () => {
  it('sends with the given message id', async () => {
    const out = await convert({ type: 'text', text: 'hello' });
    expect(out).toEqual({ content: { text: 'hello' }, options: { messageId: 'WAID' } });
  });

  it('passes media through the media source, with caption and mimetype', async () => {
    expect((await convert({ type: 'image', url: 'https://x.test/a.jpg', caption: 'look' })).content).toEqual({
      image: { url: 'fetched:https://x.test/a.jpg' },
      caption: 'look',
    });
    expect((await convert({ type: 'video', url: 'https://x.test/v.mp4', mimetype: 'video/mp4' })).content).toEqual({
      video: { url: 'fetched:https://x.test/v.mp4' },
      caption: undefined,
      mimetype: 'video/mp4',
    });
    expect((await convert({ type: 'audio', url: 'https://x.test/a.ogg', ptt: true })).content).toEqual({
      audio: { url: 'fetched:https://x.test/a.ogg' },
      ptt: true,
    });
  });

  it('gives a document a mimetype and its file name', async () => {
    expect((await convert({ type: 'document', url: 'https://x.test/f.pdf', filename: 'f.pdf' })).content).toEqual({
      document: { url: 'fetched:https://x.test/f.pdf' },
      mimetype: 'application/octet-stream',
      fileName: 'f.pdf',
      caption: undefined,
    });
  });

  it('converts a location', async () => {
    expect((await convert({ type: 'location', latitude: 52.5, longitude: 13.4, name: 'Berlin' })).content).toEqual({
      location: { degreesLatitude: 52.5, degreesLongitude: 13.4, name: 'Berlin', address: undefined },
    });
  });

  it('sends a contact as a vCard WhatsApp can message', async () => {
    const out = await convert({ type: 'contact', contact: { fullName: 'Ada; Lovelace', phoneNumber: '+44 20 7946 0000', organization: 'Analytical, Ltd' } });
    expect(out.content).toEqual({
      contacts: {
        displayName: 'Ada; Lovelace',
        contacts: [
          {
            displayName: 'Ada; Lovelace',
            vcard: 'BEGIN:VCARD\nVERSION:3.0\nFN:Ada\\; Lovelace\nORG:Analytical\\, Ltd;\nTEL;type=CELL;type=VOICE;waid=442079460000:+442079460000\nEND:VCARD',
          },
        ],
      },
    });
  });

  it('reacts to our own message by command id, or to a received one by WhatsApp id', async () => {
    expect((await convert({ type: 'reaction', messageId: commandId, emoji: '👍' })).content).toEqual({
      react: { text: '👍', key: { remoteJid: jid, id: waMessageIdFor(commandId), fromMe: true } },
    });
    expect((await convert({ type: 'reaction', messageId: 'ABCDEF0123', emoji: '' })).content).toEqual({
      react: { text: '', key: { remoteJid: jid, id: 'ABCDEF0123', fromMe: false } },
    });
  });

  it('quotes the replied-to message', async () => {
    const out = await convert({ type: 'text', text: 'yes', replyTo: 'x' }, { waMessageId: 'QUOTED', fromMe: true, text: 'are you there?' });
    expect(out.options.quoted).toEqual({ key: { remoteJid: jid, id: 'QUOTED', fromMe: true }, message: { conversation: 'are you there?' } });
  });
});

describe('toVCard', () => {
  it('escapes line breaks and backslashes', () => {
    expect(toVCard({ fullName: 'A\\B\nC', phoneNumber: '123456' })).toContain('FN:A\\\\B\\nC');
  });
});
