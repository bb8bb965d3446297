/**
 * Tenant API keys: format, generation and verification.
 *
 * A key reads `waf_live_{tenantId}_{keyId}_{secret}`: the fixed prefix lets secret scanners recognise a
 * leaked key; tenant and key ids locate its record with one strongly consistent GetItem (pk = tenantId,
 * sk = KEY#keyId), so a new key works at once and a revoked one is refused at once, with no scan and no
 * eventually consistent index read. Only a SHA-256 of the whole key is stored. A fast hash is right here:
 * the secret is 256 random bits, so there is nothing to brute-force (slow hashes defend low-entropy
 * passwords), and the authorizer pays microseconds, not a bcrypt round, on every request.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isId, randomToken } from '../ids.ts';

export const API_KEY_PREFIX = 'waf_live_';

const KEY_PATTERN = /^waf_live_([0-9A-HJKMNP-TV-Z]{26})_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})$/;

export interface ApiKeyParts {
  readonly tenantId: string;
  readonly keyId: string;
}

/** Hex SHA-256 of a presented key (tenant key or the admin key). */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A fresh key for a tenant: the secret to show once and the hash to store. */
export function generateApiKey(parts: ApiKeyParts): { apiKey: string; hash: string } {
  const apiKey = `${API_KEY_PREFIX}${parts.tenantId}_${parts.keyId}_${randomToken(32)}`;
  return { apiKey, hash: hashApiKey(apiKey) };
}

/** Tenant and key id of a well-formed tenant key, or undefined. */
export function parseApiKey(key: string): ApiKeyParts | undefined {
  const match = KEY_PATTERN.exec(key);
  if (!match || !isId(match[1]!) || !isId(match[2]!)) return undefined;
  return { tenantId: match[1]!, keyId: match[2]! };
}

/** Compares two hex digests in constant time. */
export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}
