/**
 * `WA_SIMULATOR=true npm start`: the WhatsApp simulator (local/wa-simulator/) in the stack's process, its
 * state under the data directory, and what runners need to use it: `WA_WEB_SOCKET_URL` (Baileys'
 * `waWebSocketUrl`), `WA_SIMULATOR=true`, `WA_SIM_ROOT_PUBLIC_KEY` (the trust anchor, installed by the preload
 * module every runner is started with). Loaded on demand, so a stack without the simulator never loads
 * Baileys.
 */
import { join } from 'node:path';
import type { Logger } from '../core/logger.ts';
import type { ServiceProbe } from './health/stack-health.ts';
import { httpProbe } from './health/service-probes.ts';
import { portError } from './startup-error.ts';

export interface SimulatorHost {
  readonly url: string;
  readonly controlUrl: string;
  /** Variables every runner of the stack gets. */
  readonly runnerEnv: Readonly<Record<string, string>>;
  /** Modules runners load with `--import` before their entry. */
  readonly runnerImports: readonly string[];
  readonly probe: ServiceProbe;
  stop(): Promise<void>;
}

export interface SimulatorHostOptions {
  readonly port: number;
  readonly stateDir: string;
  readonly root: string;
  readonly logger: Logger;
}

export async function startSimulator(options: SimulatorHostOptions): Promise<SimulatorHost> {
  const [{ WaSimulator }, { muteLibsignalSessionDumps }] = await Promise.all([
    import('./wa-simulator/simulator.ts'),
    import('../core/libsignal-console.ts'),
  ]);
  muteLibsignalSessionDumps();
  const log = options.logger;
  const simulator = new WaSimulator({
    logger: {
      debug: (message, data) => log.debug(message, data ?? {}),
      info: (message, data) => log.info(message, data ?? {}),
      warn: (message, data) => log.warn(message, data ?? {}),
      error: (message, data) => log.error(message, data ?? {}),
    },
  });
  await simulator.start({ port: options.port, stateDir: options.stateDir }).catch((error: unknown) => {
    throw portError(error, 'the WhatsApp simulator', options.port, 'SIM_PORT');
  });
  return {
    url: simulator.url,
    controlUrl: simulator.controlUrl,
    runnerEnv: {
      WA_SIMULATOR: 'true',
      WA_WEB_SOCKET_URL: simulator.url,
      WA_SIM_ROOT_PUBLIC_KEY: simulator.rootPublicKey.toString('base64'),
    },
    runnerImports: [join(options.root, 'local/wa-simulator/preload.ts')],
    probe: httpProbe('simulator', `${simulator.controlUrl}/sim/health`),
    stop: () => simulator.stop(),
  };
}
