/**
 * `npm start`: the whole of wa-fleet on one machine (local/stack.ts), configured from the environment
 * (local/config.ts). A problem the user can fix (a port in use, an unwritable data directory, a bad value)
 * is one line on stderr and exit code 1. Ctrl-C, SIGTERM or a closed terminal stops everything: runners get
 * SIGTERM and a grace period; a second Ctrl-C exits at once.
 */
import { createLogger } from '../core/logger.ts';
import { banner } from './banner.ts';
import { readLocalConfig } from './config.ts';
import { startStack, type RunningStack } from './stack.ts';
import { shutdownSignalHandler } from './shutdown-signal.ts';
import { StartupError } from './startup-error.ts';

const started = performance.now();
// The emulators' SDK clients run on whatever Node the user has; the SDK's support notice is not for them.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
let stack: RunningStack | undefined;

try {
  const config = readLocalConfig();
  process.env.LOG_LEVEL = config.logLevel;
  const logger = createLogger('local-stack');
  stack = await startStack({ config, logger });
  process.stdout.write(banner(stack, config, performance.now() - started));
} catch (error) {
  if (error instanceof StartupError) {
    process.stderr.write(`wa-fleet: ${error.message}\n`);
  } else {
    process.stderr.write(`wa-fleet: the stack failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
}

const shutdown = shutdownSignalHandler({
  stop: (signal) => {
    process.stdout.write(`\nwa-fleet: ${signal}, stopping (runners hand their sessions over first)...\n`);
    void stack!.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  },
  force: (signal) => {
    process.stderr.write(`wa-fleet: ${signal} again, exiting now\n`);
    process.exit(1);
  },
});
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
process.on('SIGHUP', shutdown); // the terminal closed
