/**
 * Standalone WhatsApp simulator: `tsx local/wa-simulator/main.ts`. Listens on SIM_PORT (default 3100) on
 * 127.0.0.1 and prints the WebSocket URL for Baileys' `waWebSocketUrl` and the root public key a runner must
 * trust (WA_SIMULATOR=true WA_SIM_ROOT_PUBLIC_KEY=<key> with `--import ./local/wa-simulator/preload.ts`).
 * Stops cleanly (state flushed) on SIGINT / SIGTERM.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { muteLibsignalSessionDumps } from '../../core/libsignal-console.ts';
import { readSimulatorConfig } from './config.ts';
import { WaSimulator } from './simulator.ts';

const config = readSimulatorConfig();
muteLibsignalSessionDumps();
const logger = new Logger({ serviceName: 'wa-simulator', logLevel: (process.env.LOG_LEVEL ?? 'INFO') as 'INFO' });
const simulator = new WaSimulator({
  logger: {
    debug: (message, data) => logger.debug(message, data ?? {}),
    info: (message, data) => logger.info(message, data ?? {}),
    warn: (message, data) => logger.warn(message, data ?? {}),
    error: (message, data) => logger.error(message, data ?? {}),
  },
  receipts: { deliveredMs: config.SIM_DELIVERED_MS, readMs: config.SIM_READ_MS },
});
await simulator.start({ port: config.SIM_PORT, host: config.SIM_HOST, stateDir: config.SIM_STATE_DIR });

process.stdout.write(
  [
    `wa-simulator listening`,
    `  waWebSocketUrl:          ${simulator.url}`,
    `  control API:             ${simulator.controlUrl}/sim/stats`,
    `  WA_SIM_ROOT_PUBLIC_KEY=${simulator.rootPublicKey.toString('base64')}`,
    '',
  ].join('\n'),
);

const shutdown = () => {
  void simulator.stop().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
