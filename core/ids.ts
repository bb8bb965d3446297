/**
 * Identifiers. Ids are 128-bit ULIDs (26 Crockford base32 characters, time-ordered), so DynamoDB sort keys
 * built from them list newest-last without a separate timestamp index.
 *
 * A send command's WhatsApp message id is derived from its command id, reversibly: a retry after an
 * ambiguous failure reuses the same WhatsApp id (D6), and a receipt for a WhatsApp id leads straight back
 * to the command item without an index lookup.
 */
import { createHash, randomBytes } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const WA_ID_PREFIX = '3EB0';

function encodeBase32(bytes: Uint8Array): string {
  // 128 bits -> 26 characters (the first carries 3 bits), most significant first.
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  let out = '';
  for (let i = 0; i < 26; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

function decodeBase32(id: string): Buffer | undefined {
  if (!/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/.test(id)) return undefined;
  let value = 0n;
  for (const char of id) value = (value << 5n) | BigInt(CROCKFORD.indexOf(char));
  const out = Buffer.alloc(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(value & 255n);
    value >>= 8n;
  }
  return out;
}

function ulidBytes(timeMs: number, tail: Uint8Array): Buffer {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(timeMs, 0, 6);
  Buffer.from(tail).copy(bytes, 6, 0, 10);
  return bytes;
}

/** A new random, time-ordered id. */
export function newId(now: number = Date.now()): string {
  return encodeBase32(ulidBytes(now, randomBytes(10)));
}

/**
 * A deterministic id for something that must be created at most once (a campaign recipient's send):
 * the same `parts` always give the same id. `timeMs` keeps it roughly time-ordered.
 */
export function derivedId(timeMs: number, ...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return encodeBase32(ulidBytes(timeMs, digest));
}

export function isId(value: string): boolean {
  return decodeBase32(value) !== undefined;
}

/** The WhatsApp message id a command's message is sent with. */
export function waMessageIdFor(commandId: string): string {
  const bytes = decodeBase32(commandId);
  if (!bytes) throw new Error('not a command id');
  return WA_ID_PREFIX + bytes.toString('hex').toUpperCase();
}

/** The command id behind a WhatsApp message id we sent, or undefined for ids we did not derive. */
export function commandIdFromWaMessageId(waMessageId: string): string | undefined {
  if (!/^3EB0[0-9A-F]{32}$/.test(waMessageId)) return undefined;
  return encodeBase32(Buffer.from(waMessageId.slice(4), 'hex'));
}

/** A random secret of `bytes` bytes, base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
