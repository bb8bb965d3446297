/**
 * `npm run runner`: one more socket runner that joins the stack running on this machine, as a scaled-out
 * ECS task would. It reads what it needs from the stack's file in the data directory (DATA_DIR, default
 * `.wa-fleet`): emulator endpoints, resource variables and, in simulator mode, the simulator's URL and trust
 * anchor; RUNNER_ID and HEALTH_PORT may be given (defaults: a fresh id and a free port).
 *
 * The runner runs as a child in its own process group, and this process turns Ctrl-C into exactly one
 * SIGTERM for it: npm and tsx forward the terminal's signal too, and a runner that sees a second signal
 * skips its handover. A Ctrl-C a moment later forces it (SIGKILL). Exits with the runner's exit code.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { readStackInfo } from './data-dir.ts';
import { freePort } from './http-listener.ts';
import { REPO_ROOT } from './repo-root.ts';
import { runnerArgs } from './runners/runner-fleet.ts';
import { shutdownSignalHandler } from './shutdown-signal.ts';
import { StartupError } from './startup-error.ts';

const RUNNER_ENTRY = join(REPO_ROOT, 'socket-runner/main.ts');

try {
  const dataDirSetting = process.env.DATA_DIR || '.wa-fleet';
  const dataDir = isAbsolute(dataDirSetting) ? dataDirSetting : resolve(process.cwd(), dataDirSetting);
  const stack = readStackInfo(dataDir);
  if (!existsSync(RUNNER_ENTRY)) throw new StartupError('socket-runner/main.ts does not exist yet: there is no runner to start');
  const runnerId = process.env.RUNNER_ID || `joined-${randomBytes(3).toString('hex')}`;
  const healthPort = process.env.HEALTH_PORT || String(await freePort());
  const env: NodeJS.ProcessEnv = { ...process.env, ...stack.runnerEnv, RUNNER_ID: runnerId, HEALTH_PORT: healthPort };
  delete env.ADMIN_API_KEY;

  const runner = spawn(process.execPath, runnerArgs({ imports: [import.meta.resolve('tsx'), ...stack.runnerImports], entry: RUNNER_ENTRY }), {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    detached: true,
  });
  process.stdout.write(`wa-fleet: runner ${runnerId} (pid ${runner.pid}) joining the stack at ${stack.apiUrl}, health on port ${healthPort}\n`);
  const onSignal = shutdownSignalHandler({ stop: () => runner.kill('SIGTERM'), force: () => runner.kill('SIGKILL') });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  runner.once('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} catch (error) {
  process.stderr.write(`wa-fleet: ${error instanceof StartupError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
}
