/**
 * Installs the simulator's root public key as Baileys' noise trust anchor (`WA_CERT_DETAILS.PUBLIC_KEY`,
 * read at every handshake). Only ever in simulator mode: it refuses unless `WA_SIMULATOR=true`, so a process
 * that talks to real WhatsApp cannot be pointed at a different root by accident. The runner installs it at
 * start-up in simulator mode (main.ts; the bundled runner carries its own copy of Baileys, which a preload
 * could not reach); other processes get it through local/wa-simulator/preload.ts; tests call it directly.
 */
import { WA_CERT_DETAILS } from '@whiskeysockets/baileys';

export class TrustAnchorRefusedError extends Error {
  readonly code = 'trust_anchor_refused';
}

const ORIGINAL_ROOT = Buffer.from(WA_CERT_DETAILS.PUBLIC_KEY);

/** Replaces Baileys' trust anchor with `rootPublicKey` (32 bytes); throws unless `WA_SIMULATOR=true`. */
export function installSimulatorTrustAnchor(rootPublicKey: Uint8Array, env: NodeJS.ProcessEnv = process.env): void {
  if (env.WA_SIMULATOR !== 'true') {
    throw new TrustAnchorRefusedError('refusing to replace the WhatsApp trust anchor: WA_SIMULATOR=true is not set');
  }
  if (rootPublicKey.length !== 32) {
    throw new TrustAnchorRefusedError(`simulator root public key must be 32 bytes, got ${rootPublicKey.length}`);
  }
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(rootPublicKey);
}

/** Puts WhatsApp's own root back (tests that switch anchors restore it when done). */
export function restoreWhatsAppTrustAnchor(): void {
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(ORIGINAL_ROOT);
}

/** The anchor Baileys will check the next handshake against. */
export function currentTrustAnchor(): Buffer {
  return Buffer.from(WA_CERT_DETAILS.PUBLIC_KEY);
}
