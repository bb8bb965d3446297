/**
 * `npm run runner`: one more socket runner that joins the stack running on this machine, as a scaled-out
 * ECS task would. It reads what it needs from the stack's file in the data directory (DATA_DIR, default
 * `.wa-fleet`): emulator endpoints, resource variables and, in simulator mode, the simulator's URL and trust
 * anchor. It then becomes the runner (socket-runner/main.ts, in this process), with its own RUNNER_ID and
 * HEALTH_PORT (both may be given; defaults: a fresh id and a free port).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readStackInfo } from './data-dir.ts';
import { freePort } from './http-listener.ts';
import { REPO_ROOT } from './repo-root.ts';
import { StartupError } from './startup-error.ts';

const RUNNER_ENTRY = join(REPO_ROOT, 'socket-runner/main.ts');

try {
  const dataDirSetting = process.env.DATA_DIR || '.wa-fleet';
  const dataDir = isAbsolute(dataDirSetting) ? dataDirSetting : resolve(process.cwd(), dataDirSetting);
  const stack = readStackInfo(dataDir);
  if (!existsSync(RUNNER_ENTRY)) throw new StartupError('socket-runner/main.ts does not exist yet: there is no runner to start');
  const runnerId = process.env.RUNNER_ID || `joined-${randomBytes(3).toString('hex')}`;
  const healthPort = process.env.HEALTH_PORT || String(await freePort());
  Object.assign(process.env, stack.runnerEnv, { RUNNER_ID: runnerId, HEALTH_PORT: healthPort });
  delete process.env.ADMIN_API_KEY;
  process.stdout.write(`wa-fleet: runner ${runnerId} joining the stack at ${stack.apiUrl} (health on port ${healthPort})\n`);
  for (const module of stack.runnerImports) await import(pathToFileURL(module).href);
  await import(pathToFileURL(RUNNER_ENTRY).href);
} catch (error) {
  process.stderr.write(`wa-fleet: ${error instanceof StartupError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
}
