/**
 * The stack's data directory (DATA_DIR, default `.wa-fleet/`, git-ignored): emulator data (`dynamodb/`,
 * `s3/`), the simulator's state, and three files of the stack itself:
 * - `admin-api-key` (0600): the generated admin key, stable across restarts, when ADMIN_API_KEY is unset;
 * - `stack.pid`: one stack per directory (two would corrupt DynamoDB's LevelDB files);
 * - `stack.json` (0600): what `npm run runner` needs to join the running stack (endpoints, resource
 *   variables, simulator settings); removed on shutdown.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomToken } from '../core/ids.ts';
import { StartupError } from './startup-error.ts';

export const ADMIN_KEY_FILE = 'admin-api-key';
export const LOCK_FILE = 'stack.pid';
export const STACK_FILE = 'stack.json';

/** Creates the directory if needed and proves it is writable. */
export function prepareDataDir(path: string): void {
  const probe = join(path, `.write-test-${process.pid}`);
  try {
    mkdirSync(path, { recursive: true });
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).message;
    throw new StartupError(`the data directory ${path} is not writable (${code}); set DATA_DIR to a writable directory`, 'DATA_DIR', { cause: error });
  }
}

/** Claims the directory for this process; returns the release function. */
export function lockDataDir(path: string): () => void {
  const file = join(path, LOCK_FILE);
  const mine = String(process.pid);
  try {
    writeFileSync(file, mine, { flag: 'wx' });
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new StartupError(
        `another wa-fleet stack (pid ${holder}) is using the data directory ${path}; stop it, or set DATA_DIR to another directory`,
        'DATA_DIR',
      );
    }
    writeFileSync(file, mine); // a stale lock from a stack that died
  }
  return () => {
    if (existsSync(file) && readFileSync(file, 'utf8').trim() === mine) rmSync(file, { force: true });
  };
}

export interface AdminKey {
  readonly key: string;
  readonly source: 'environment' | 'data-dir' | 'generated';
}

/** ADMIN_API_KEY if given, else the key kept in the data directory, else a new one written there (0600). */
export function adminKey(path: string, fromEnvironment: string | undefined): AdminKey {
  if (fromEnvironment) return { key: fromEnvironment, source: 'environment' };
  const file = join(path, ADMIN_KEY_FILE);
  if (existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    const key = readFileSync(file, 'utf8').trim();
    if (key.length >= 24) return { key, source: 'data-dir' };
  }
  const key = randomToken(32);
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode option does not apply when the file already existed
  return { key, source: 'generated' };
}

/** What a runner joining the stack needs (written by the stack, read by `npm run runner`). */
export interface StackInfo {
  readonly pid: number;
  readonly apiUrl: string;
  /** The environment runners get (minus RUNNER_ID and HEALTH_PORT, which are per runner). */
  readonly runnerEnv: Record<string, string>;
  /** Modules loaded with `--import` before the runner (the simulator trust anchor in simulator mode). */
  readonly runnerImports: readonly string[];
}

export function writeStackInfo(path: string, info: StackInfo): () => void {
  const file = join(path, STACK_FILE);
  writeFileSync(file, JSON.stringify(info, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600);
  return () => rmSync(file, { force: true });
}

/** The running stack's info, or a StartupError saying to start one. */
export function readStackInfo(path: string): StackInfo {
  const file = join(path, STACK_FILE);
  let info: StackInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
  } catch {
    throw new StartupError(`no running stack found in ${path} (${STACK_FILE} missing); start one with \`npm start\`, or set DATA_DIR to its data directory`, 'DATA_DIR');
  }
  if (!isAlive(info.pid)) {
    throw new StartupError(`the stack that wrote ${file} (pid ${info.pid}) is not running; start one with \`npm start\``, 'DATA_DIR');
  }
  return info;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
