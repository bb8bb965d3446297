// Declarations for the parts of `libsignal` (Baileys' Signal dependency) the WhatsApp simulator uses. The
// package ships a partial index.d.ts without `curve`, `keyhelper` or the session-record internals; this
// ambient module replaces it with what the simulator's Signal parties need.
declare module 'libsignal' {
  /** A Curve25519 key pair in libsignal's format: 33-byte public key (0x05 prefix), 32-byte private key. */
  export interface KeyPairType {
    pubKey: Buffer;
    privKey: Buffer;
  }

  export interface PreKeyBundle {
    registrationId: number;
    identityKey: Uint8Array;
    signedPreKey: { keyId: number; publicKey: Uint8Array; signature: Uint8Array };
    preKey?: { keyId: number; publicKey: Uint8Array };
  }

  export interface SignalStorage {
    loadSession(id: string): Promise<SessionRecord | undefined> | SessionRecord | undefined;
    storeSession(id: string, session: SessionRecord): Promise<void> | void;
    isTrustedIdentity(identifier: string, identityKey: Uint8Array, direction?: number): Promise<boolean> | boolean;
    loadPreKey(id: number | string): Promise<KeyPairType | undefined> | KeyPairType | undefined;
    removePreKey(id: number): Promise<void> | void;
    loadSignedPreKey(id: number): Promise<KeyPairType | undefined> | KeyPairType | undefined;
    getOurRegistrationId(): Promise<number> | number;
    getOurIdentity(): Promise<KeyPairType> | KeyPairType;
  }

  export class ProtocolAddress {
    constructor(name: string, deviceId: number);
    readonly id: string;
    readonly deviceId: number;
    toString(): string;
  }

  /** One Signal session (a ratchet state); `pendingPreKey` is set while the initiator has had no reply. */
  export interface SessionEntry {
    pendingPreKey?: { baseKey: Buffer; signedKeyId: number; preKeyId?: number };
  }

  export class SessionRecord {
    constructor();
    static deserialize(data: unknown): SessionRecord;
    serialize(): unknown;
    haveOpenSession(): boolean;
    getOpenSession(): SessionEntry | undefined;
  }

  export class SessionCipher {
    constructor(storage: SignalStorage, remoteAddress: ProtocolAddress);
    decryptPreKeyWhisperMessage(ciphertext: Uint8Array): Promise<Buffer>;
    decryptWhisperMessage(ciphertext: Uint8Array): Promise<Buffer>;
    /** type 3 = PreKeyWhisperMessage (pkmsg), 1 = WhisperMessage (msg); body is a binary string. */
    encrypt(data: Uint8Array): Promise<{ type: number; body: string; registrationId: number }>;
  }

  export class SessionBuilder {
    constructor(storage: SignalStorage, remoteAddress: ProtocolAddress);
    initOutgoing(bundle: PreKeyBundle): Promise<void>;
  }

  export const curve: {
    generateKeyPair(): KeyPairType;
    calculateAgreement(publicKey: Uint8Array, privateKey: Uint8Array): Buffer;
    calculateSignature(privateKey: Uint8Array, message: Uint8Array): Buffer;
    /** Returns whether the signature is valid; throws on malformed input. */
    verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
  };

  export const keyhelper: {
    generateIdentityKeyPair(): KeyPairType;
    generateRegistrationId(): number;
    generateSignedPreKey(identityKeyPair: KeyPairType, keyId: number): { keyId: number; keyPair: KeyPairType; signature: Buffer };
    generatePreKey(keyId: number): { keyId: number; keyPair: KeyPairType };
  };
}
