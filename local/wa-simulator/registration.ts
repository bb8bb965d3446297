/**
 * Linking a new companion device, both ways WhatsApp offers. QR: a registering connection gets six
 * `<pair-device>` refs (Baileys turns them into QR strings); `scan(qr, phone)` plays the phone: it signs the
 * device identity with the phone's account key, sends `<pair-success>`, verifies the device signature Baileys
 * returns, records the device and ends the stream with 515 so the client logs in. Pairing code: Baileys'
 * `companion_hello` carries its ephemeral key wrapped with the code; `enterCode(phone, code)` plays the phone
 * typing it (primary_hello notification), and the client's `companion_finish` yields the ADV secret for the
 * same `<pair-success>`.
 */
import { randomBytes, randomInt } from 'node:crypto';
import {
  Curve,
  WA_ADV_ACCOUNT_SIG_PREFIX,
  WA_ADV_DEVICE_SIG_PREFIX,
  aesDecryptGCM,
  aesEncryptCTR,
  aesDecryptCTR,
  derivePairingCodeKey,
  getBinaryNodeChild,
  hkdf,
  hmacSign,
  proto,
} from '@whiskeysockets/baileys';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../../core/errors.ts';
import { SERVER_JID, contentBytes, iqResult, node, unixTime, type BinaryNode } from './binary-node.ts';
import { verifySignature } from './certificate-chain.ts';
import type { SimConnection } from './connection.ts';
import { deviceJid } from './device-hub.ts';
import { UploadedPreKeys, phoneDigits, type CompanionDevice, type Directory, type Phone } from './directory.ts';

/** What a registering client declared in its ClientPayload (`devicePairingData`). */
export interface RegistrationInfo {
  readonly identityKey: Buffer;
  readonly registrationId: number;
  readonly signedPreKey: { readonly id: number; readonly publicKey: Buffer; readonly signature: Buffer };
}

export interface PairedDevice {
  readonly jid: string;
  readonly lid: string;
  readonly deviceId: number;
}

interface CodeRequest {
  readonly connection: SimConnection;
  readonly wrappedEphemeral: Buffer;
  readonly ref: string;
  primaryEphemeral?: ReturnType<typeof Curve.generateKeyPair>;
  finish?: (bundle: { wrapped: Buffer; companionIdentity: Buffer }) => void;
}

const REFS_PER_REGISTRATION = 6;
const CODE_REQUEST_WAIT_MS = 5_000;
const PRIMARY_PLATFORM = 'android';

export class Registration {
  private readonly registering = new Map<SimConnection, RegistrationInfo>();
  private readonly refs = new Map<string, SimConnection>();
  private readonly codeRequests = new Map<string, CodeRequest>();
  private readonly codeWaiters = new Map<string, () => void>();

  constructor(
    private readonly deps: {
      readonly directory: Directory;
      readonly onPaired: (device: CompanionDevice) => void;
    },
  ) {}

  /** A client connected with `devicePairingData`: remember its keys and offer QR refs. */
  begin(connection: SimConnection, payload: proto.IClientPayload): void {
    const data = payload.devicePairingData;
    if (!data?.eIdent || !data.eRegid || !data.eSkeyId || !data.eSkeyVal || !data.eSkeySig) {
      connection.endWith(node('failure', { reason: '400' }));
      return;
    }
    this.registering.set(connection, {
      identityKey: Buffer.from(data.eIdent),
      registrationId: Buffer.from(data.eRegid).readUIntBE(0, data.eRegid.length),
      signedPreKey: { id: Buffer.from(data.eSkeyId).readUIntBE(0, data.eSkeyId.length), publicKey: Buffer.from(data.eSkeyVal), signature: Buffer.from(data.eSkeySig) },
    });
    const refs = Array.from({ length: REFS_PER_REGISTRATION }, () => randomBytes(24).toString('base64url'));
    for (const ref of refs) this.refs.set(ref, connection);
    connection.send(
      node('iq', { id: `pair-${connection.id}`, type: 'set', xmlns: 'md', from: SERVER_JID, t: unixTime() }, [
        node('pair-device', {}, refs.map((ref) => node('ref', {}, Buffer.from(ref)))),
      ]),
    );
  }

  /** The phone scans a QR string Baileys emitted: pairs that connection's device to `phoneNumber`. */
  async scan(qr: string, phoneNumber: string): Promise<PairedDevice> {
    const [ref, noiseKey, identityKey, advSecret] = qr.slice(qr.indexOf('#') + 1).split(',');
    const connection = ref ? this.refs.get(ref) : undefined;
    const info = connection && this.registering.get(connection);
    if (!connection || !info || !connection.isOpen) throw new NotFoundError('QR code (no registering connection has this ref)');
    if (!noiseKey || !identityKey || !advSecret) throw new ValidationError('QR string is not ref,noiseKey,identityKey,advSecret,platform');
    if (!connection.clientStaticKey?.equals(Buffer.from(noiseKey, 'base64')) || !info.identityKey.equals(Buffer.from(identityKey, 'base64'))) {
      throw new UnprocessableError('qr_keys_mismatch', 'QR keys do not match the connection that showed it');
    }
    return this.pair(connection, info, this.phoneFor(phoneNumber), Buffer.from(advSecret, 'base64'));
  }

  /** The phone's user types the pairing code Baileys' `requestPairingCode` returned. */
  async enterCode(phoneNumber: string, code: string): Promise<PairedDevice> {
    const phone = this.phoneFor(phoneNumber);
    const request = await this.codeRequest(phone.number);
    const info = request && this.registering.get(request.connection);
    if (!request || !info || !request.connection.isOpen) throw new NotFoundError('pairing code request for this phone');
    // The code wraps both ephemeral keys (PBKDF2 key per salt); a wrong code only shows at companion_finish.
    const typed = code.replace(/-/g, '').toUpperCase();
    const wrapped = request.wrappedEphemeral;
    const companionEphemeral = aesDecryptCTR(wrapped.subarray(48, 80), await derivePairingCodeKey(typed, wrapped.subarray(0, 32)), wrapped.subarray(32, 48));
    const primaryEphemeral = Curve.generateKeyPair();
    const salt = randomBytes(32);
    const iv = randomBytes(16);
    const primaryWrapped = Buffer.concat([salt, iv, aesEncryptCTR(primaryEphemeral.public, await derivePairingCodeKey(typed, salt), iv)]);
    const finished = new Promise<{ wrapped: Buffer; companionIdentity: Buffer }>((resolve) => (request.finish = resolve));
    request.connection.send(
      node('notification', { from: SERVER_JID, type: 'link_code_companion_reg', id: `code-${request.connection.id}`, t: unixTime() }, [
        node('link_code_companion_reg', { stage: 'primary_hello' }, [
          node('link_code_pairing_wrapped_primary_ephemeral_pub', {}, primaryWrapped),
          node('primary_identity_pub', {}, phone.party.identityPublicKey),
          node('link_code_pairing_ref', {}, Buffer.from(request.ref)),
        ]),
      ]),
    );
    const bundle = await withTimeout(finished, 20_000, 'client did not finish the pairing-code exchange');
    const companionShared = Curve.sharedKey(primaryEphemeral.private, companionEphemeral);
    const bundleKey = hkdf(companionShared, 32, { salt: bundle.wrapped.subarray(0, 32), info: 'link_code_pairing_key_bundle_encryption_key' });
    let plain: Buffer;
    try {
      plain = aesDecryptGCM(bundle.wrapped.subarray(44), bundleKey, bundle.wrapped.subarray(32, 44), Buffer.alloc(0));
    } catch {
      this.codeRequests.delete(phone.number);
      throw new UnprocessableError('pairing_code_mismatch', 'the pairing code does not match the one the client shows');
    }
    const namesIdentities = plain.subarray(0, 32).equals(info.identityKey) && plain.subarray(32, 64).equals(phone.party.identityPublicKey);
    if (!namesIdentities || !bundle.companionIdentity.equals(info.identityKey)) {
      throw new UnprocessableError('pairing_code_keys_mismatch', 'key bundle does not name the expected identities');
    }
    const identityShared = Curve.sharedKey(phone.party.identityPrivateKey, info.identityKey);
    const advSecret = Buffer.from(hkdf(Buffer.concat([companionShared, identityShared, plain.subarray(64)]), 32, { info: 'adv_secret' }));
    this.codeRequests.delete(phone.number);
    return this.pair(request.connection, info, phone, advSecret);
  }

  /** `iq xmlns=md` stanzas of the pairing-code exchange; returns false for anything else. */
  handleMd(connection: SimConnection, iq: BinaryNode): boolean {
    const reg = getBinaryNodeChild(iq, 'link_code_companion_reg');
    if (!reg) return false;
    const number = phoneDigits(reg.attrs.jid ?? '');
    if (reg.attrs.stage === 'companion_hello' && number) {
      const wrapped = contentBytes(getBinaryNodeChild(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub'));
      if (!wrapped || wrapped.length < 80 || !this.registering.has(connection)) {
        connection.send(node('iq', { id: iq.attrs.id ?? '', type: 'error', from: SERVER_JID }, [node('error', { code: '400', text: 'bad-request' })]));
        return true;
      }
      const ref = randomBytes(16).toString('base64url');
      this.codeRequests.set(number, { connection, wrappedEphemeral: wrapped, ref });
      this.codeWaiters.get(number)?.();
      connection.send(iqResult(iq, [node('link_code_companion_reg', {}, [node('link_code_pairing_ref', {}, Buffer.from(ref))])]));
      return true;
    }
    if (reg.attrs.stage === 'companion_finish' && number) {
      const request = this.codeRequests.get(number);
      const wrapped = contentBytes(getBinaryNodeChild(reg, 'link_code_pairing_wrapped_key_bundle'));
      const companionIdentity = contentBytes(getBinaryNodeChild(reg, 'companion_identity_public'));
      connection.send(iqResult(iq));
      if (request?.connection === connection && request.finish && wrapped && companionIdentity) request.finish({ wrapped, companionIdentity });
      return true;
    }
    connection.send(iqResult(iq));
    return true;
  }

  /** Forgets a connection that closed while registering. */
  closed(connection: SimConnection): void {
    if (!this.registering.delete(connection)) return;
    for (const [ref, owner] of this.refs) if (owner === connection) this.refs.delete(ref);
    for (const [number, request] of this.codeRequests) if (request.connection === connection) this.codeRequests.delete(number);
  }

  /**
   * The pending code request for a number. Baileys sends `companion_hello` without waiting for an answer, so
   * a code can be "typed" before the hello is here: wait a little for it.
   */
  private async codeRequest(number: string): Promise<CodeRequest | undefined> {
    if (!this.codeRequests.has(number)) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, CODE_REQUEST_WAIT_MS);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.codeWaiters.set(number, done);
      });
      this.codeWaiters.delete(number);
    }
    return this.codeRequests.get(number);
  }

  private phoneFor(phoneNumber: string): Phone {
    const digits = phoneDigits(phoneNumber);
    if (!digits) throw new ValidationError('phoneNumber must be digits, optionally with a leading +');
    const phone = this.deps.directory.phone(digits);
    if (!phone) throw new ConflictError('not_on_whatsapp', 'that number is marked as not on WhatsApp');
    return phone;
  }

  private async pair(connection: SimConnection, info: RegistrationInfo, phone: Phone, advSecret: Buffer): Promise<PairedDevice> {
    const deviceId = phone.nextDeviceId;
    const keyIndex = phone.nextKeyIndex;
    const details = Buffer.from(proto.ADVDeviceIdentity.encode({ rawId: randomInt(1, 2 ** 31), timestamp: Math.floor(Date.now() / 1000), keyIndex }).finish());
    const accountKey = phone.party.identityPublicKey;
    const accountSignature = phone.party.sign(Buffer.concat([WA_ADV_ACCOUNT_SIG_PREFIX, details, info.identityKey]));
    const signed = Buffer.from(proto.ADVSignedDeviceIdentity.encode({ details, accountSignatureKey: accountKey, accountSignature }).finish());
    const identity = proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac: hmacSign(signed, advSecret) }).finish();
    const jid = deviceJid({ phone: phone.number, deviceId });
    const lid = `${phone.lid}:${deviceId}@lid`;
    const answer = await connection.request(
      node('iq', { type: 'set', xmlns: 'md', from: SERVER_JID, t: unixTime() }, [
        node('pair-success', {}, [
          node('device-identity', {}, identity),
          node('platform', { name: PRIMARY_PLATFORM }),
          node('device', { jid, lid }),
        ]),
      ]),
    );
    const returned = contentBytes(getBinaryNodeChild(getBinaryNodeChild(answer, 'pair-device-sign'), 'device-identity'));
    const deviceSignature = returned ? proto.ADVSignedDeviceIdentity.decode(returned).deviceSignature : undefined;
    const signedMessage = Buffer.concat([WA_ADV_DEVICE_SIG_PREFIX, details, info.identityKey, accountKey]);
    if (!deviceSignature || !verifySignature(info.identityKey, signedMessage, deviceSignature)) {
      connection.endWith(node('failure', { reason: '401' }));
      throw new UnprocessableError('device_signature_invalid', 'the client did not return a valid device signature');
    }
    phone.nextDeviceId++;
    phone.nextKeyIndex++;
    const device: CompanionDevice = {
      phone: phone.number,
      deviceId,
      keyIndex,
      noiseKey: Buffer.from(connection.clientStaticKey ?? Buffer.alloc(0)),
      identityKey: info.identityKey,
      registrationId: info.registrationId,
      signedPreKey: info.signedPreKey,
      preKeys: new UploadedPreKeys(),
      platform: PRIMARY_PLATFORM,
      pairedAt: Date.now(),
      removed: false,
    };
    phone.devices.set(deviceId, device);
    this.closed(connection);
    this.deps.onPaired(device);
    connection.streamError({ code: '515' });
    return { jid, lid, deviceId };
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ConflictError('pairing_timeout', message)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
