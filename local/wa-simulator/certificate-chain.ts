/**
 * The simulator's own noise certificate chain: root -> intermediate (issuerSerial 0, the serial Baileys
 * expects of WhatsApp's long-term root) -> leaf (the server's static noise key). Baileys checks the chain
 * against `WA_CERT_DETAILS.PUBLIC_KEY`, so a process that connects here installs the simulator's root
 * public key as its trust anchor (see trust-anchor.ts). The chain is built once per simulator start.
 */
import { Curve, WA_CERT_DETAILS, proto } from '@whiskeysockets/baileys';
import type { KeyPair } from '@whiskeysockets/baileys';
import { curve } from 'libsignal';

const KEY_TYPE_PREFIX = Buffer.from([5]);
const INTERMEDIATE_SERIAL = 1;
const LEAF_SERIAL = 2;
const YEAR_SECONDS = 365 * 24 * 3600;

export interface CertChainOptions {
  /** The issuer serial written into the intermediate; anything but 0 makes Baileys refuse the chain. */
  readonly issuerSerial?: number;
}

export function generateRootKeyPair(): KeyPair {
  return Curve.generateKeyPair();
}

/** Encodes `proto.CertChain` for a leaf key, signed by a fresh intermediate that the root signs. */
export function buildCertChain(root: KeyPair, leafPublicKey: Uint8Array, options: CertChainOptions = {}): Uint8Array {
  const now = Math.floor(Date.now() / 1000);
  const intermediate = Curve.generateKeyPair();
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: INTERMEDIATE_SERIAL,
    issuerSerial: options.issuerSerial ?? WA_CERT_DETAILS.SERIAL,
    key: intermediate.public,
    notBefore: now - 3600,
    notAfter: now + YEAR_SECONDS,
  }).finish();
  const leafDetails = proto.CertChain.NoiseCertificate.Details.encode({
    serial: LEAF_SERIAL,
    issuerSerial: INTERMEDIATE_SERIAL,
    key: leafPublicKey,
    notBefore: now - 3600,
    notAfter: now + YEAR_SECONDS,
  }).finish();
  return proto.CertChain.encode({
    intermediate: { details: intermediateDetails, signature: Curve.sign(root.private, intermediateDetails) },
    leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) },
  }).finish();
}

/**
 * Checks a chain the way a correct client would (real signature verification, which Baileys' `Curve.verify`
 * currently skips): the intermediate signed by `rootPublicKey` with issuer serial 0, the leaf by the
 * intermediate, and the leaf key equal to `expectedLeafKey` when given.
 */
export function verifyCertChain(chain: Uint8Array, rootPublicKey: Uint8Array, expectedLeafKey?: Uint8Array): boolean {
  const { intermediate, leaf } = proto.CertChain.decode(chain);
  if (!intermediate?.details || !intermediate.signature || !leaf?.details || !leaf.signature) return false;
  const intermediateDetails = proto.CertChain.NoiseCertificate.Details.decode(intermediate.details);
  const leafDetails = proto.CertChain.NoiseCertificate.Details.decode(leaf.details);
  if (!intermediateDetails.key || !leafDetails.key) return false;
  if ((intermediateDetails.issuerSerial ?? 0) !== WA_CERT_DETAILS.SERIAL) return false;
  if (expectedLeafKey && !Buffer.from(leafDetails.key).equals(Buffer.from(expectedLeafKey))) return false;
  return (
    verifySignature(rootPublicKey, intermediate.details, intermediate.signature) &&
    verifySignature(intermediateDetails.key, leaf.details, leaf.signature)
  );
}

/** Real XEdDSA verification of a signature made with Baileys' `Curve.sign` (32-byte public key). */
export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const key = publicKey.length === 33 ? Buffer.from(publicKey) : Buffer.concat([KEY_TYPE_PREFIX, publicKey]);
    return curve.verifySignature(key, Buffer.from(message), Buffer.from(signature));
  } catch {
    return false;
  }
}
