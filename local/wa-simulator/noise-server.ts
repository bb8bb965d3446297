/**
 * The server side of WhatsApp's Noise_XX_25519_AESGCM_SHA256 handshake and the transport that follows it.
 * Baileys only ships the client side (`makeNoiseHandler`); this is its mirror image, built from Baileys'
 * exported primitives so both ends derive keys the same way. Sits between the raw WebSocket bytes and the
 * binary-node router: `FrameReader` cuts frames, `NoiseHandshake` answers the client hello and reads the
 * client finish, `NoiseTransport` encrypts and decrypts every frame after that.
 */
import { Curve, NOISE_MODE, NOISE_WA_HEADER, aesDecryptGCM, aesEncryptGCM, hkdf, proto, sha256 } from '@whiskeysockets/baileys';
import type { KeyPair } from '@whiskeysockets/baileys';

const EMPTY = Buffer.alloc(0);

function ivFor(counter: number): Buffer {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
}

/** Prefixes a body with the 3-byte big-endian length every WhatsApp frame carries. */
export function encodeFrame(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(body.byteLength + 3);
  frame.writeUIntBE(body.byteLength, 0, 3);
  frame.set(body, 3);
  return frame;
}

/**
 * Cuts the client's byte stream into frames. The first bytes are the intro: optional `ED` routing prefix,
 * then the `WA` header; the rest is length-prefixed frames that may be split across or packed into
 * WebSocket messages.
 */
export class FrameReader {
  private buffer: Buffer = EMPTY;
  private introDone = false;

  /** Returns every complete frame now available; throws when the intro is not WhatsApp's. */
  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (!this.introDone && !this.readIntro()) return [];
    const frames: Buffer[] = [];
    while (this.buffer.length >= 3) {
      const size = this.buffer.readUIntBE(0, 3);
      if (this.buffer.length < size + 3) break;
      frames.push(this.buffer.subarray(3, size + 3));
      this.buffer = this.buffer.subarray(size + 3);
    }
    if (this.buffer.length === 0) this.buffer = EMPTY;
    return frames;
  }

  private readIntro(): boolean {
    let offset = 0;
    if (this.buffer.length >= 2 && this.buffer.toString('latin1', 0, 2) === 'ED') {
      if (this.buffer.length < 7) return false;
      offset = 7 + this.buffer.readUIntBE(4, 3);
    }
    if (this.buffer.length < offset + NOISE_WA_HEADER.length) return false;
    if (!this.buffer.subarray(offset, offset + NOISE_WA_HEADER.length).equals(NOISE_WA_HEADER)) {
      throw new Error('not a WhatsApp noise intro');
    }
    this.buffer = this.buffer.subarray(offset + NOISE_WA_HEADER.length);
    this.introDone = true;
    return true;
  }
}

/** Transport-phase cipher: one key and counter per direction, empty associated data. */
export class NoiseTransport {
  private readCounter = 0;
  private writeCounter = 0;

  constructor(
    private readonly encKey: Buffer,
    private readonly decKey: Buffer,
  ) {}

  encrypt(plaintext: Uint8Array): Buffer {
    return aesEncryptGCM(plaintext, this.encKey, ivFor(this.writeCounter++), EMPTY);
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    return aesDecryptGCM(ciphertext, this.decKey, ivFor(this.readCounter++), EMPTY);
  }
}

export interface HandshakeResult {
  /** The client's static noise key (Baileys' `creds.noiseKey.public`): the device's login credential. */
  readonly clientStaticKey: Buffer;
  readonly payload: proto.ClientPayload;
  readonly transport: NoiseTransport;
}

/** The symmetric handshake state of one connection; discarded once the transport is established. */
export class NoiseHandshake {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private clientEphemeral: Buffer = EMPTY;
  private readonly ephemeral: KeyPair = Curve.generateKeyPair();

  constructor(
    private readonly staticKey: KeyPair,
    private readonly certChain: Uint8Array,
  ) {
    this.hash = Buffer.from(NOISE_MODE);
    this.salt = this.hash;
    this.key = this.hash;
    this.authenticate(NOISE_WA_HEADER);
  }

  /** Answers `clientHello` with `serverHello { ephemeral, static, payload = certificate chain }`. */
  serverHello(clientHelloFrame: Uint8Array): Buffer {
    const clientEphemeral = proto.HandshakeMessage.decode(clientHelloFrame).clientHello?.ephemeral;
    if (!clientEphemeral || clientEphemeral.length !== 32) throw new Error('missing client ephemeral key');
    this.clientEphemeral = Buffer.from(clientEphemeral);
    this.authenticate(this.clientEphemeral);
    this.authenticate(this.ephemeral.public);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, this.clientEphemeral));
    const staticEnc = this.encrypt(this.staticKey.public);
    this.mixIntoKey(Curve.sharedKey(this.staticKey.private, this.clientEphemeral));
    const payloadEnc = this.encrypt(this.certChain);
    const hello = { serverHello: { ephemeral: this.ephemeral.public, static: staticEnc, payload: payloadEnc } };
    return Buffer.from(proto.HandshakeMessage.encode(hello).finish());
  }

  /** Reads `clientFinish`: the client's static key and its `ClientPayload` (registration or login). */
  clientFinish(frame: Uint8Array): HandshakeResult {
    const finish = proto.HandshakeMessage.decode(frame).clientFinish;
    if (!finish?.static || !finish.payload) throw new Error('missing client finish');
    const clientStaticKey = this.decrypt(finish.static);
    this.mixIntoKey(Curve.sharedKey(this.ephemeral.private, clientStaticKey));
    const payload = proto.ClientPayload.decode(this.decrypt(finish.payload));
    const keys = Buffer.from(hkdf(EMPTY, 64, { salt: this.salt, info: '' }));
    // The client encrypts with the first half and decrypts with the second; the server mirrors that.
    const transport = new NoiseTransport(keys.subarray(32, 64), keys.subarray(0, 32));
    return { clientStaticKey, payload, transport };
  }

  private authenticate(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  private mixIntoKey(ikm: Uint8Array): void {
    const derived = Buffer.from(hkdf(ikm, 64, { salt: this.salt, info: '' }));
    this.salt = derived.subarray(0, 32);
    this.key = derived.subarray(32, 64);
    this.counter = 0;
  }

  private encrypt(plaintext: Uint8Array): Buffer {
    const ciphertext = aesEncryptGCM(plaintext, this.key, ivFor(this.counter++), this.hash);
    this.authenticate(ciphertext);
    return ciphertext;
  }

  private decrypt(ciphertext: Uint8Array): Buffer {
    const plaintext = aesDecryptGCM(ciphertext, this.key, ivFor(this.counter++), this.hash);
    this.authenticate(ciphertext);
    return plaintext;
  }
}
