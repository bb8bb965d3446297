/**
 * Preload for runner processes that connect to the simulator (`node --import` / `tsx --import`): when
 * `WA_SIMULATOR=true`, installs the simulator root from `WA_SIM_ROOT_PUBLIC_KEY` (base64) as Baileys' trust
 * anchor before any socket is made. Without `WA_SIMULATOR=true` it does nothing, so it is harmless to leave
 * in a command line; with it but without a valid key, start-up fails loudly.
 */
import { installSimulatorTrustAnchor } from '../../socket-runner/whatsapp/simulator-trust-anchor.ts';

if (process.env.WA_SIMULATOR === 'true') {
  const encoded = process.env.WA_SIM_ROOT_PUBLIC_KEY;
  if (!encoded) throw new Error('WA_SIMULATOR=true but WA_SIM_ROOT_PUBLIC_KEY (base64 root public key) is not set');
  installSimulatorTrustAnchor(Buffer.from(encoded, 'base64'));
}
