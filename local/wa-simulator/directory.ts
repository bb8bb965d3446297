/**
 * The simulator's world: phones (each a Signal party, with an LID) and the companion devices paired to them
 * (Baileys clients: their noise key, Signal identity, signed prekey and uploaded one-time prekeys). A contact
 * is simply a phone without companions; phones are created on first reference unless marked as not on
 * WhatsApp. Resolves the JIDs Baileys uses (phone number or LID, with or without device) to phone + device.
 * Everything here outlives client connections and is what persistence.ts saves.
 */
import { createHash } from 'node:crypto';
import { SignalParty } from './signal-party.ts';
import type { SignalPartyData } from './signal-party.ts';

export const PN_SERVER = 's.whatsapp.net';
export const LID_SERVER = 'lid';

/** One-time prekeys a companion uploaded, packed (32 bytes each) to keep 812 keys per device cheap. */
export class UploadedPreKeys {
  constructor(
    private ids: number[] = [],
    private keys: Buffer = Buffer.alloc(0),
  ) {}

  get count(): number {
    return this.ids.length;
  }

  add(entries: readonly { id: number; publicKey: Uint8Array }[]): void {
    const known = new Set(this.ids);
    const fresh = entries.filter((entry) => !known.has(entry.id) && entry.publicKey.length === 32);
    this.ids = [...this.ids, ...fresh.map((entry) => entry.id)];
    this.keys = Buffer.concat([this.keys, ...fresh.map((entry) => entry.publicKey)]);
  }

  /** Hands out (and forgets) the oldest key, as the server does for each bundle request. */
  take(): { id: number; publicKey: Buffer } | undefined {
    const id = this.ids.shift();
    if (id === undefined) return undefined;
    const publicKey = Buffer.from(this.keys.subarray(0, 32));
    this.keys = this.keys.subarray(32);
    return { id, publicKey };
  }

  toJSON(): { ids: number[]; keys: string } {
    return { ids: this.ids, keys: this.keys.toString('base64') };
  }
}

export interface CompanionDevice {
  readonly phone: string;
  readonly deviceId: number;
  readonly keyIndex: number;
  /** The client's static noise key: what authenticates its logins. */
  readonly noiseKey: Buffer;
  identityKey: Buffer;
  registrationId: number;
  signedPreKey: { id: number; publicKey: Buffer; signature: Buffer };
  readonly preKeys: UploadedPreKeys;
  readonly platform: string;
  readonly pairedAt: number;
  removed: boolean;
}

export interface ReceivedMessage {
  /** Message id as Baileys sent it. */
  readonly id: string;
  /** The sending companion device (`phone:device@s.whatsapp.net`). */
  readonly from: string;
  /** The JID the sender addressed (`contact@s.whatsapp.net` or an LID). */
  readonly to: string;
  /** Text of a conversation / extendedTextMessage, if any. */
  readonly text: string | undefined;
  /** The decrypted `proto.Message` as a plain object. */
  readonly message: Record<string, unknown>;
  readonly receivedAt: number;
}

const MAX_RECEIVED_PER_PHONE = 500;

export class Phone {
  readonly devices = new Map<number, CompanionDevice>();
  readonly received: ReceivedMessage[] = [];
  nextDeviceId = 1;
  nextKeyIndex = 1;

  constructor(
    readonly number: string,
    readonly lid: string,
    readonly party: SignalParty,
  ) {}

  get pnJid(): string {
    return `${this.number}@${PN_SERVER}`;
  }

  get lidJid(): string {
    return `${this.lid}@${LID_SERVER}`;
  }

  /** Companion devices currently paired (not removed). */
  activeDevices(): CompanionDevice[] {
    return [...this.devices.values()].filter((device) => !device.removed);
  }

  recordReceived(message: ReceivedMessage): void {
    this.received.push(message);
    if (this.received.length > MAX_RECEIVED_PER_PHONE) this.received.shift();
  }
}

export interface ResolvedJid {
  readonly phone: Phone;
  readonly deviceId: number;
  readonly server: typeof PN_SERVER | typeof LID_SERVER;
}

const JID = /^([0-9]+)(?:_[0-9]+)?(?::([0-9]+))?@(s\.whatsapp\.net|lid|c\.us)$/;

/** Digits of a phone number given as `+49...`, `49...` or a user JID; undefined when it is none of those. */
export function phoneDigits(value: string): string | undefined {
  const match = /^\+?([0-9]{5,20})(?:[:@].*)?$/.exec(value.trim());
  return match?.[1];
}

/** A stable 15-digit LID per phone number, so a restarted simulator gives the same answer. */
function lidFor(number: string): string {
  const digest = createHash('sha256').update(`wa-simulator-lid:${number}`).digest();
  return (100_000_000_000_000n + (digest.readBigUInt64BE(0) % 900_000_000_000_000n)).toString();
}

export interface DirectoryData {
  readonly phones: readonly PhoneData[];
  readonly notOnWhatsApp: readonly string[];
}

export interface PhoneData {
  readonly number: string;
  readonly party: SignalPartyData;
  readonly nextDeviceId: number;
  readonly nextKeyIndex: number;
  readonly devices: readonly DeviceData[];
}

interface DeviceData {
  readonly deviceId: number;
  readonly keyIndex: number;
  readonly noiseKey: string;
  readonly identityKey: string;
  readonly registrationId: number;
  readonly signedPreKey: { readonly id: number; readonly publicKey: string; readonly signature: string };
  readonly preKeys: { readonly ids: number[]; readonly keys: string };
  readonly platform: string;
  readonly pairedAt: number;
  readonly removed: boolean;
}

export class Directory {
  private readonly phones = new Map<string, Phone>();
  private readonly byLid = new Map<string, Phone>();
  private readonly offWhatsApp = new Set<string>();

  /** `onChange` is called after every change worth persisting. */
  constructor(private readonly onChange: () => void = () => undefined) {}

  /** The phone with this number, created (with fresh keys) on first reference; none if not on WhatsApp. */
  phone(number: string): Phone | undefined {
    if (this.offWhatsApp.has(number)) return undefined;
    const existing = this.phones.get(number);
    if (existing) return existing;
    const phone = new Phone(number, lidFor(number), SignalParty.create(this.onChange));
    this.add(phone);
    this.onChange();
    return phone;
  }

  /** A phone that exists already, whether or not it is currently marked as on WhatsApp (no creation). */
  existing(number: string): Phone | undefined {
    return this.phones.get(number);
  }

  isOnWhatsApp(number: string): boolean {
    return !this.offWhatsApp.has(number);
  }

  /** Marks numbers as (not) on WhatsApp: usync contact checks answer `out`, lookups find nothing. */
  setOnWhatsApp(numbers: readonly string[], onWhatsApp: boolean): void {
    for (const number of numbers) {
      if (onWhatsApp) this.offWhatsApp.delete(number);
      else this.offWhatsApp.add(number);
    }
    this.onChange();
  }

  /** Resolves `user[:device]@s.whatsapp.net` or `lid[:device]@lid` to phone + device (0 = the phone). */
  resolve(jid: string): ResolvedJid | undefined {
    const match = JID.exec(jid);
    if (!match?.[1]) return undefined;
    const server = match[3] === LID_SERVER ? LID_SERVER : PN_SERVER;
    const phone = server === LID_SERVER ? this.byLid.get(match[1]) : this.phone(match[1]);
    if (!phone || this.offWhatsApp.has(phone.number)) return undefined;
    return { phone, deviceId: match[2] ? Number(match[2]) : 0, server };
  }

  devices(): CompanionDevice[] {
    return [...this.phones.values()].flatMap((phone) => [...phone.devices.values()]);
  }

  toJSON(): DirectoryData {
    return {
      notOnWhatsApp: [...this.offWhatsApp],
      phones: [...this.phones.values()].map((phone) => ({
        number: phone.number,
        party: phone.party.toJSON(),
        nextDeviceId: phone.nextDeviceId,
        nextKeyIndex: phone.nextKeyIndex,
        devices: [...phone.devices.values()].map((device) => ({
          deviceId: device.deviceId,
          keyIndex: device.keyIndex,
          noiseKey: device.noiseKey.toString('base64'),
          identityKey: device.identityKey.toString('base64'),
          registrationId: device.registrationId,
          signedPreKey: {
            id: device.signedPreKey.id,
            publicKey: device.signedPreKey.publicKey.toString('base64'),
            signature: device.signedPreKey.signature.toString('base64'),
          },
          preKeys: device.preKeys.toJSON(),
          platform: device.platform,
          pairedAt: device.pairedAt,
          removed: device.removed,
        })),
      })),
    };
  }

  load(data: DirectoryData): void {
    const buf = (value: string) => Buffer.from(value, 'base64');
    for (const number of data.notOnWhatsApp) this.offWhatsApp.add(number);
    for (const entry of data.phones) {
      const phone = new Phone(entry.number, lidFor(entry.number), SignalParty.fromJSON(entry.party, this.onChange));
      phone.nextDeviceId = entry.nextDeviceId;
      phone.nextKeyIndex = entry.nextKeyIndex;
      for (const device of entry.devices) {
        phone.devices.set(device.deviceId, {
          phone: entry.number,
          deviceId: device.deviceId,
          keyIndex: device.keyIndex,
          noiseKey: buf(device.noiseKey),
          identityKey: buf(device.identityKey),
          registrationId: device.registrationId,
          signedPreKey: {
            id: device.signedPreKey.id,
            publicKey: buf(device.signedPreKey.publicKey),
            signature: buf(device.signedPreKey.signature),
          },
          preKeys: new UploadedPreKeys(device.preKeys.ids, buf(device.preKeys.keys)),
          platform: device.platform,
          pairedAt: device.pairedAt,
          removed: device.removed,
        });
      }
      this.add(phone);
    }
  }

  private add(phone: Phone): void {
    this.phones.set(phone.number, phone);
    this.byLid.set(phone.lid, phone);
  }
}
