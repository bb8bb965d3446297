/**
 * Messages in both directions. Outbound (a device sends): each `<to>` copy addressed to a phone is decrypted
 * by that phone's Signal party and kept per contact; copies for companion devices are routed to them; the
 * sender gets the server `<ack>` and, after the configured delays, the contact's delivery and read
 * receipts. Inbound (`send(from, to, text)`, the control API's "contact writes"): the contact encrypts for
 * every companion of the account, from the prekeys those uploaded, and the stanza is delivered now or queued
 * until the device's next login. Receipts a device sends back confirm the contact's session (pkmsg -> msg).
 */
import { randomBytes } from 'node:crypto';
import { encodeWAMessage, getBinaryNodeChild, getBinaryNodeChildren, proto, unpadRandomMax16 } from '@whiskeysockets/baileys';
import { NotFoundError, ConflictError } from '../../core/errors.ts';
import { contentBytes, node, unixTime, type BinaryNode } from './binary-node.ts';
import type { SimConnection } from './connection.ts';
import { deviceJid, type DeviceHub } from './device-hub.ts';
import { phoneDigits, type CompanionDevice, type Directory, type Phone, type ReceivedMessage } from './directory.ts';
import type { E2eType } from './signal-party.ts';

export interface ReceiptSettings {
  /** Delay before the contact's delivery receipt; undefined = never. */
  deliveredMs: number | undefined;
  /** Delay before the contact's read receipt; undefined = never (the default). */
  readMs: number | undefined;
}

export interface MessagingDeps {
  readonly directory: Directory;
  readonly hub: DeviceHub;
  readonly receipts: ReceiptSettings;
  readonly onReceived: (contact: string, message: ReceivedMessage) => void;
  readonly onReceipt: (event: { id: string; device: string; type: string }) => void;
  readonly onError: (event: string, error: unknown) => void;
}

export interface InboundResult {
  readonly id: string;
  /** Companion devices the message went to (delivered now or queued). */
  readonly devices: number;
  /** Signal message type per device: `pkmsg` while the session is new, `msg` once confirmed. */
  readonly types: E2eType[];
}

interface EncCopy {
  readonly jid: string;
  readonly enc: BinaryNode;
}

export class Messaging {
  constructor(private readonly deps: MessagingDeps) {}

  /** A `<message>` from a logged-in device. */
  async outbound(connection: SimConnection, stanza: BinaryNode): Promise<void> {
    const sender = connection.device;
    const id = stanza.attrs.id;
    const to = stanza.attrs.to;
    if (!sender || !id || !to) return;
    const destination = this.deps.directory.resolve(to);

    let delivered = false;
    for (const { jid, enc } of encCopies(stanza, to)) {
      const target = this.deps.directory.resolve(jid);
      if (!target) continue;
      if (target.deviceId === 0) {
        const ok = await this.decryptForPhone(target.phone, sender, id, to, enc);
        delivered ||= ok && target.phone.number !== sender.phone;
      } else {
        this.route(sender, target.phone, target.deviceId, stanza, enc);
      }
    }
    const ack: Record<string, string> = { class: 'message', id, from: to, t: unixTime() };
    if (!destination) ack.error = '404';
    connection.send(node('ack', ack));
    if (delivered) this.scheduleReceipts(sender, id, to);
  }

  /** A `<receipt>` from a logged-in device for a message we delivered to it. */
  receipt(connection: SimConnection, stanza: BinaryNode): void {
    const device = connection.device;
    const id = stanza.attrs.id;
    if (!device || !id) return;
    const type = stanza.attrs.type ?? 'delivery';
    const contact = stanza.attrs.to ? this.deps.directory.resolve(stanza.attrs.to) : undefined;
    if (contact && type !== 'retry') contact.phone.party.confirmSession(device);
    this.deps.onReceipt({ id, device: deviceJid(device), type });
  }

  /** The contact `from` writes `text` to every companion device of account `to`; returns the message id. */
  async inbound(from: string, to: string, text: string): Promise<InboundResult> {
    const fromNumber = phoneDigits(from);
    const toNumber = phoneDigits(to);
    const contact = fromNumber ? this.deps.directory.phone(fromNumber) : undefined;
    if (!contact) throw new ConflictError('not_on_whatsapp', 'the sending contact is not on WhatsApp');
    const account = toNumber ? this.deps.directory.existing(toNumber) : undefined;
    const devices = account?.activeDevices() ?? [];
    if (devices.length === 0) throw new NotFoundError('paired device for the destination phone');
    const id = randomBytes(10).toString('hex').toUpperCase();
    const plaintext = encodeWAMessage({ conversation: text });
    const types: E2eType[] = [];
    for (const device of devices) {
      const { type, ciphertext } = await contact.party.encrypt(device, plaintext, () => bundleOf(device));
      types.push(type);
      this.deps.hub.deliver(
        device,
        node('message', { from: contact.pnJid, id, t: unixTime(), type: 'text', notify: `Sim ${contact.number.slice(-4)}`, sender_lid: contact.lidJid }, [
          node('enc', { v: '2', type }, ciphertext),
        ]),
      );
    }
    return { id, devices: devices.length, types };
  }

  private async decryptForPhone(phone: Phone, sender: CompanionDevice, id: string, to: string, enc: BinaryNode): Promise<boolean> {
    const ciphertext = contentBytes(enc);
    const type = enc.attrs.type;
    if (!ciphertext || (type !== 'pkmsg' && type !== 'msg')) return false;
    try {
      const padded = await phone.party.decrypt(sender, type as E2eType, ciphertext);
      const message = proto.Message.decode(unpadRandomMax16(padded));
      if (phone.number === sender.phone) return true; // the account's own phone: a sync copy
      const received: ReceivedMessage = {
        id,
        from: deviceJid(sender),
        to,
        text: message.conversation ?? message.extendedTextMessage?.text ?? undefined,
        message: proto.Message.toObject(message, { longs: Number, bytes: String }) as Record<string, unknown>,
        receivedAt: Date.now(),
      };
      phone.recordReceived(received);
      this.deps.onReceived(phone.number, received);
      return true;
    } catch (error) {
      this.deps.onError('message.decrypt_failed', error);
      return false;
    }
  }

  /** Forwards one encrypted copy to another companion device (of the contact, or the sender's own). */
  private route(sender: CompanionDevice, phone: Phone, deviceId: number, stanza: BinaryNode, enc: BinaryNode): void {
    const target = phone.devices.get(deviceId);
    if (!target || target.removed || (target.phone === sender.phone && target.deviceId === sender.deviceId)) return;
    const attrs: Record<string, string> = { from: deviceJid(sender), id: stanza.attrs.id ?? '', t: unixTime(), type: stanza.attrs.type ?? 'text' };
    if (target.phone === sender.phone) attrs.recipient = stanza.attrs.to ?? '';
    this.deps.hub.deliver(target, node('message', attrs, [enc]));
  }

  private scheduleReceipts(sender: CompanionDevice, id: string, to: string): void {
    const { deliveredMs, readMs } = this.deps.receipts;
    const send = (type?: string) => {
      const attrs: Record<string, string> = { from: to, id, t: unixTime() };
      if (type) attrs.type = type;

      if (!sender.removed) this.deps.hub.deliver(sender, node('receipt', attrs));
    };
    if (deliveredMs !== undefined) setTimeout(() => send(), deliveredMs).unref();
    if (readMs !== undefined) setTimeout(() => send('read'), Math.max(readMs, deliveredMs ?? 0)).unref();
  }
}

/** Every encrypted copy in a message: `<participants><to jid><enc>` plus a bare `<enc>` meant for `to`. */
function encCopies(stanza: BinaryNode, to: string): EncCopy[] {
  const copies: EncCopy[] = [];
  for (const recipient of getBinaryNodeChildren(getBinaryNodeChild(stanza, 'participants'), 'to')) {
    const enc = getBinaryNodeChild(recipient, 'enc');
    if (enc && recipient.attrs.jid) copies.push({ jid: recipient.attrs.jid, enc });
  }
  for (const enc of getBinaryNodeChildren(stanza, 'enc')) copies.push({ jid: to, enc });
  return copies;
}

/** The prekey bundle of a companion as libsignal's SessionBuilder wants it (0x05-prefixed keys). */
function bundleOf(device: CompanionDevice) {
  const prefixed = (key: Buffer) => Buffer.concat([Buffer.from([5]), key]);
  const preKey = device.preKeys.take();
  return {
    registrationId: device.registrationId,
    identityKey: prefixed(device.identityKey),
    signedPreKey: { keyId: device.signedPreKey.id, publicKey: prefixed(device.signedPreKey.publicKey), signature: device.signedPreKey.signature },
    ...(preKey ? { preKey: { keyId: preKey.id, publicKey: prefixed(preKey.publicKey) } } : {}),
  };
}
