// The simulator's certificate chain and the trust anchor that lets Baileys accept it: the chain verifies with
// real signature checks, Baileys refuses a wrong issuer serial, a chain from a foreign root is refused once
// Baileys really verifies signatures (and the current, non-verifying behaviour is pinned down precisely), and
// the anchor is only ever installed in simulator mode.
import { Curve } from '@whiskeysockets/baileys';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyCertChain } from '../../../local/wa-simulator/certificate-chain.ts';
import { WaSimulator } from '../../../local/wa-simulator/simulator.ts';
import {
  TrustAnchorRefusedError,
  currentTrustAnchor,
  installSimulatorTrustAnchor,
  restoreWhatsAppTrustAnchor,
} from '../../../socket-runner/whatsapp/simulator-trust-anchor.ts';
import { closeSockets, createMemoryAuthState, openSocket, waitForClose, waitForEvent } from '../../support/baileys-client.ts';
import type { WASocket } from '@whiskeysockets/baileys';

let sim: WaSimulator;
const sockets: WASocket[] = [];
const others: WaSimulator[] = [];

beforeAll(async () => {
  vi.stubEnv('WA_SIMULATOR', 'true');
  sim = await new WaSimulator().start();
});

afterAll(async () => {
  closeSockets(...sockets);
  await Promise.all([sim, ...others].map((s) => s.stop()));
  restoreWhatsAppTrustAnchor();
  vi.unstubAllEnvs();
});

/** Whether this Baileys' `Curve.verify` actually rejects a bad signature (7.0.0-rc14 does not). */
function baileysVerifiesSignatures(): boolean {
  return !Curve.verify(Curve.generateKeyPair().public, Buffer.from('probe'), Buffer.alloc(64, 1));
}

describe('certificate chain', () => {
  it('verifies against its own root with real signature checks, and not against another root', () => {
    const { chain, leafKey } = sim.certificate;

    expect(verifyCertChain(chain, sim.rootPublicKey, leafKey)).toBe(true);
    expect(verifyCertChain(chain, Curve.generateKeyPair().public, leafKey)).toBe(false);
    expect(verifyCertChain(chain, sim.rootPublicKey, Curve.generateKeyPair().public)).toBe(false);
  });

  it('is refused by Baileys when the intermediate does not carry issuer serial 0', async () => {
    const wrongSerial = await new WaSimulator({ issuerSerial: 7 }).start();
    others.push(wrongSerial);

    const socket = openSocket(wrongSerial, createMemoryAuthState());
    sockets.push(socket);

    expect(await waitForClose(socket)).toBe(400);
    expect(wrongSerial.stats().connections.registering).toBe(0);
  });

  it('from a foreign root is refused once Baileys verifies signatures; today it is accepted', async () => {
    // Prepare: a second simulator with its own root, while Baileys trusts the first one's.
    const foreign = await new WaSimulator().start();
    others.push(foreign);
    expect(verifyCertChain(foreign.certificate.chain, sim.rootPublicKey)).toBe(false);

    // Act
    const socket = openSocket(foreign, createMemoryAuthState(), { trustRoot: sim.rootPublicKey });
    sockets.push(socket);

    // Assess
    if (baileysVerifiesSignatures()) {
      expect(await waitForClose(socket)).toBe(400);
      expect(foreign.stats().connections.registering).toBe(0);
    } else {
      // Baileys 7.0.0-rc14: Curve.verify ignores libsignal's verdict, so the handshake completes and the
      // client registers. When this branch stops running, the one above is the live assertion.
      const update = await waitForEvent(socket, 'connection.update', (u) => Boolean(u.qr));
      expect(update.qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#/);
      expect(foreign.stats().connections.registering).toBe(1);
    }
  });
});

describe('trust anchor', () => {
  afterEach(() => {
    vi.stubEnv('WA_SIMULATOR', 'true');
    vi.stubEnv('WA_SIM_ROOT_PUBLIC_KEY', undefined);
    vi.resetModules();
  });

  it('refuses to install unless WA_SIMULATOR=true, and refuses keys that are not 32 bytes', () => {
    const before = currentTrustAnchor();

    expect(() => installSimulatorTrustAnchor(sim.rootPublicKey, {})).toThrow(TrustAnchorRefusedError);
    expect(() => installSimulatorTrustAnchor(sim.rootPublicKey, { WA_SIMULATOR: '1' })).toThrow(TrustAnchorRefusedError);
    expect(() => installSimulatorTrustAnchor(Buffer.alloc(31), { WA_SIMULATOR: 'true' })).toThrow(TrustAnchorRefusedError);
    expect(currentTrustAnchor()).toEqual(before);
  });

  it('is installed by the preload from WA_SIM_ROOT_PUBLIC_KEY in simulator mode', async () => {
    restoreWhatsAppTrustAnchor();
    vi.stubEnv('WA_SIM_ROOT_PUBLIC_KEY', sim.rootPublicKey.toString('base64'));

    await import('../../../local/wa-simulator/preload.ts');

    expect(currentTrustAnchor()).toEqual(sim.rootPublicKey);
  });

  it('is left alone by the preload outside simulator mode, and a missing key fails loudly inside it', async () => {
    restoreWhatsAppTrustAnchor();
    const whatsAppRoot = currentTrustAnchor();
    vi.stubEnv('WA_SIMULATOR', 'false');
    vi.stubEnv('WA_SIM_ROOT_PUBLIC_KEY', sim.rootPublicKey.toString('base64'));

    await import('../../../local/wa-simulator/preload.ts');
    expect(currentTrustAnchor()).toEqual(whatsAppRoot);

    vi.resetModules();
    vi.stubEnv('WA_SIMULATOR', 'true');
    vi.stubEnv('WA_SIM_ROOT_PUBLIC_KEY', undefined);
    await expect(import('../../../local/wa-simulator/preload.ts')).rejects.toThrow(/WA_SIM_ROOT_PUBLIC_KEY/);
  });
});
