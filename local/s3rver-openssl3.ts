/**
 * Keeps s3rver's ListObjectsV2 paging working on Node >= 17. s3rver encrypts continuation tokens with single
 * DES (`'des'`), which OpenSSL 3 ships only in its legacy provider, so any listing longer than one page fails
 * with a 500 (a credential-backup prune would break exactly when it matters). 3DES with the key repeated
 * three times is single DES by construction (EDE with K1 = K2 = K3), and OpenSSL 3 keeps it in the default
 * provider. This maps the `'des'` algorithm, and nothing else, on the CommonJS crypto module s3rver requires;
 * ESM imports of node:crypto are separate bindings and unaffected.
 */
import { createRequire } from 'node:module';
import type * as Crypto from 'node:crypto';

const crypto = createRequire(import.meta.url)('crypto') as typeof Crypto & { __waFleetDes?: true };

export function enableS3rverDesTokens(): void {
  if (crypto.__waFleetDes) return;
  const createCipheriv = crypto.createCipheriv;
  const createDecipheriv = crypto.createDecipheriv;
  const tripled = (key: Crypto.CipherKey) => Buffer.concat([Buffer.from(key as Buffer), Buffer.from(key as Buffer), Buffer.from(key as Buffer)]);
  crypto.createCipheriv = ((algorithm: string, key: Crypto.CipherKey, iv: Crypto.BinaryLike | null, options?: never) =>
    algorithm === 'des'
      ? createCipheriv('des-ede3-cbc', tripled(key), iv)
      : createCipheriv(algorithm, key, iv, options)) as typeof crypto.createCipheriv;
  crypto.createDecipheriv = ((algorithm: string, key: Crypto.CipherKey, iv: Crypto.BinaryLike | null, options?: never) =>
    algorithm === 'des'
      ? createDecipheriv('des-ede3-cbc', tripled(key), iv)
      : createDecipheriv(algorithm, key, iv, options)) as typeof crypto.createDecipheriv;
  crypto.__waFleetDes = true;
}
