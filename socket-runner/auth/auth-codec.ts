/**
 * How Baileys' auth state is serialized at rest: JSON with Baileys' own `BufferJSON` replacer/reviver (so
 * Buffers and Uint8Arrays round-trip exactly as Baileys expects), gzip-packed for the larger blobs (creds
 * and S3 backups: fewer write units, same bytes back). Decoding validates the creds' shape, so a corrupt or
 * truncated item is detected here and restored from a backup instead of handed to Baileys.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { BufferJSON, type AuthenticationCreds } from '@whiskeysockets/baileys';

export function encodeJson(value: unknown): string {
  return JSON.stringify(value, BufferJSON.replacer);
}

export function decodeJson<T = unknown>(text: string): T {
  return JSON.parse(text, BufferJSON.reviver) as T;
}

export function packBlob(value: unknown): Buffer {
  return gzipSync(Buffer.from(encodeJson(value), 'utf8'));
}

/** Throws on anything that is not a gzip of valid JSON. */
export function unpackBlob<T = unknown>(bytes: Uint8Array): T {
  return decodeJson<T>(gunzipSync(bytes).toString('utf8'));
}

function isKeyPair(value: unknown): boolean {
  const pair = value as { public?: unknown; private?: unknown } | undefined;
  return Buffer.isBuffer(pair?.public) && Buffer.isBuffer(pair?.private);
}

/** True when the value has what Baileys needs to connect with these creds. */
export function isUsableCreds(value: unknown): value is AuthenticationCreds {
  const creds = value as Partial<AuthenticationCreds> | undefined;
  return (
    typeof creds === 'object' &&
    creds !== null &&
    isKeyPair(creds.noiseKey) &&
    isKeyPair(creds.signedIdentityKey) &&
    isKeyPair(creds.pairingEphemeralKeyPair) &&
    isKeyPair(creds.signedPreKey?.keyPair) &&
    typeof creds.registrationId === 'number' &&
    typeof creds.advSecretKey === 'string'
  );
}

/** Decodes a packed creds blob, or undefined when it is missing, corrupt or incomplete. */
export function decodeCreds(bytes: Uint8Array | undefined): AuthenticationCreds | undefined {
  if (!bytes || bytes.length === 0) return undefined;
  try {
    const creds = unpackBlob(bytes);
    return isUsableCreds(creds) ? creds : undefined;
  } catch {
    return undefined;
  }
}

/** The session was paired (QR scanned or pairing code entered): its creds are worth keeping. */
export function isPaired(creds: AuthenticationCreds): boolean {
  return Boolean(creds.me?.id) || creds.registered === true;
}
