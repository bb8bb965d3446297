/**
 * A simulated phone as a real Signal party (libsignal, the library Baileys itself uses): identity key,
 * registration id, signed prekey, one-time prekeys handed out in bundles, and one session per remote
 * companion device. A contact decrypts what Baileys sends it and encrypts what it sends to Baileys; an
 * account's own phone is the same kind of party, whose identity key is the account signature key used when
 * pairing. Serialisable for persistence.ts.
 */
import { Curve } from '@whiskeysockets/baileys';
import { ProtocolAddress, SessionBuilder, SessionCipher, SessionRecord, keyhelper } from 'libsignal';
import type { KeyPairType, PreKeyBundle, SignalStorage } from 'libsignal';

const KEY_TYPE_PREFIX = Buffer.from([5]);
const SIGNED_PRE_KEY_ID = 1;

export type E2eType = 'pkmsg' | 'msg';

/** A prekey bundle as it goes on the wire: 32-byte keys, no type prefix. */
export interface WireBundle {
  readonly registrationId: number;
  readonly identityKey: Buffer;
  readonly signedPreKey: { readonly id: number; readonly publicKey: Buffer; readonly signature: Buffer };
  readonly preKey?: { readonly id: number; readonly publicKey: Buffer };
}

/** A remote companion device, addressed by its account phone number and device id. */
export interface RemoteDevice {
  readonly phone: string;
  readonly deviceId: number;
}

export interface SignalPartyData {
  readonly registrationId: number;
  readonly identity: { readonly pub: string; readonly priv: string };
  readonly signedPreKey: { readonly pub: string; readonly priv: string; readonly signature: string };
  readonly preKeys: Record<string, { readonly pub: string; readonly priv: string }>;
  readonly nextPreKeyId: number;
  readonly sessions: Record<string, unknown>;
}

const b64 = (buffer: Uint8Array) => Buffer.from(buffer).toString('base64');
const buf = (value: string) => Buffer.from(value, 'base64');
const withPrefix = (key: Uint8Array) => (key.length === 33 ? Buffer.from(key) : Buffer.concat([KEY_TYPE_PREFIX, key]));

export class SignalParty {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly storage: SignalStorage;

  private constructor(
    private readonly registrationId: number,
    private readonly identity: KeyPairType,
    private readonly signedPreKey: { keyPair: KeyPairType; signature: Buffer },
    private readonly preKeys: Map<number, KeyPairType>,
    private nextPreKeyId: number,
    /** Called after any change worth persisting. */
    private readonly onChange: () => void,
  ) {
    this.storage = {
      loadSession: (id) => this.sessions.get(id),
      storeSession: (id, record) => {
        this.sessions.set(id, record);
        this.onChange();
      },
      isTrustedIdentity: () => true,
      loadPreKey: (id) => this.preKeys.get(Number(id)),
      removePreKey: (id) => {
        this.preKeys.delete(Number(id));
      },
      loadSignedPreKey: () => this.signedPreKey.keyPair,
      getOurRegistrationId: () => this.registrationId,
      getOurIdentity: () => this.identity,
    };
  }

  /** A fresh party with new identity, registration id and signed prekey. */
  static create(onChange: () => void): SignalParty {
    const identity = Curve.generateKeyPair();
    const identityPair = { pubKey: withPrefix(identity.public), privKey: Buffer.from(identity.private) };
    const signed = keyhelper.generateSignedPreKey(identityPair, SIGNED_PRE_KEY_ID);
    return new SignalParty(keyhelper.generateRegistrationId(), identityPair, signed, new Map(), 1, onChange);
  }

  static fromJSON(data: SignalPartyData, onChange: () => void): SignalParty {
    const pair = (k: { pub: string; priv: string }) => ({ pubKey: buf(k.pub), privKey: buf(k.priv) });
    const preKeys = new Map(Object.entries(data.preKeys).map(([id, key]) => [Number(id), pair(key)] as const));
    const party = new SignalParty(
      data.registrationId,
      pair(data.identity),
      { keyPair: pair(data.signedPreKey), signature: buf(data.signedPreKey.signature) },
      preKeys,
      data.nextPreKeyId,
      onChange,
    );
    for (const [address, record] of Object.entries(data.sessions)) {
      party.sessions.set(address, SessionRecord.deserialize(record));
    }
    return party;
  }

  toJSON(): SignalPartyData {
    const pair = (k: KeyPairType) => ({ pub: b64(k.pubKey), priv: b64(k.privKey) });
    return {
      registrationId: this.registrationId,
      identity: pair(this.identity),
      signedPreKey: { ...pair(this.signedPreKey.keyPair), signature: b64(this.signedPreKey.signature) },
      preKeys: Object.fromEntries([...this.preKeys].map(([id, key]) => [String(id), pair(key)])),
      nextPreKeyId: this.nextPreKeyId,
      sessions: Object.fromEntries([...this.sessions].map(([address, record]) => [address, record.serialize()])),
    };
  }

  /** The identity public key without the type prefix (the account signature key for an account phone). */
  get identityPublicKey(): Buffer {
    return this.identity.pubKey.subarray(1);
  }

  /** The identity private key (the phone's side of pairing-code key agreement). */
  get identityPrivateKey(): Buffer {
    return this.identity.privKey;
  }

  /** Signs with the identity key (account signatures at pairing). */
  sign(message: Uint8Array): Buffer {
    return Buffer.from(Curve.sign(this.identity.privKey, Buffer.from(message)));
  }

  /** A bundle for a client that wants to start a session with this phone; mints one one-time prekey. */
  bundle(): WireBundle {
    const id = this.nextPreKeyId;
    this.nextPreKeyId = (this.nextPreKeyId % 0xfffffe) + 1;
    const preKey = keyhelper.generatePreKey(id).keyPair;
    this.preKeys.set(id, preKey);
    this.onChange();
    return {
      registrationId: this.registrationId,
      identityKey: this.identityPublicKey,
      signedPreKey: {
        id: SIGNED_PRE_KEY_ID,
        publicKey: this.signedPreKey.keyPair.pubKey.subarray(1),
        signature: this.signedPreKey.signature,
      },
      preKey: { id, publicKey: preKey.pubKey.subarray(1) },
    };
  }

  /** Decrypts one `<enc>` from a companion device; returns the padded plaintext (a `proto.Message`). */
  async decrypt(remote: RemoteDevice, type: E2eType, ciphertext: Uint8Array): Promise<Buffer> {
    const cipher = new SessionCipher(this.storage, address(remote));
    return type === 'pkmsg' ? cipher.decryptPreKeyWhisperMessage(ciphertext) : cipher.decryptWhisperMessage(ciphertext);
  }

  hasSession(remote: RemoteDevice): boolean {
    return this.sessions.get(address(remote).toString())?.haveOpenSession() ?? false;
  }

  /**
   * Encrypts for a companion device, first building a session from `bundle()` (the device's uploaded
   * prekeys) when there is none. New sessions produce `pkmsg` until confirmSession or a reply.
   */
  async encrypt(remote: RemoteDevice, plaintext: Uint8Array, bundle: () => PreKeyBundle): Promise<{ type: E2eType; ciphertext: Buffer }> {
    const addr = address(remote);
    if (!this.hasSession(remote)) await new SessionBuilder(this.storage, addr).initOutgoing(bundle());
    const { type, body } = await new SessionCipher(this.storage, addr).encrypt(plaintext);
    return { type: type === 3 ? 'pkmsg' : 'msg', ciphertext: Buffer.from(body, 'binary') };
  }

  /**
   * Marks the session with `remote` as established (the device acknowledged our prekey message), so later
   * messages are plain `msg` like a real phone's.
   */
  confirmSession(remote: RemoteDevice): void {
    const session = this.sessions.get(address(remote).toString())?.getOpenSession();
    if (session?.pendingPreKey) {
      delete session.pendingPreKey;
      this.onChange();
    }
  }
}

function address(remote: RemoteDevice): ProtocolAddress {
  return new ProtocolAddress(remote.phone, remote.deviceId);
}
