/**
 * The whole local stack for the demo and the end-to-end test: `local/main.ts` (what `npm start` runs) as a
 * child process with the WhatsApp simulator and one socket runner, on free ports, in a given data directory,
 * its output (and its runners') written to `stack.log` there so the terminal stays readable and a failed
 * step can point at it. The child gets its own process group, so Ctrl-C reaches only the demo, which then
 * stops the stack with SIGTERM as a user would; and it is started with the local stack's parent watch, so
 * it shuts itself down if the demo dies without stopping it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomToken } from '../../core/ids.ts';
import { STACK_FILE, type StackInfo } from '../data-dir.ts';
import { REPO_ROOT } from '../repo-root.ts';
import { eventually, done, pending } from './eventually.ts';
import { StepFailure } from './step-failure.ts';

const STACK_ENTRY = 'local/main.ts';
const PARENT_WATCH = fileURLToPath(new URL('../runners/parent-watch.ts', import.meta.url));
export const STACK_LOG = 'stack.log';
const STARTING = 'the start of the stack';

export interface DemoStackOptions {
  readonly dataDir: string;
  /** Bound on the stack being up with a healthy runner. */
  readonly startTimeoutMs?: number;
  /** Variables added to the stack's environment (and so its runners'), e.g. runner timings in tests. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface RunnerProcess {
  readonly runnerId: string;
  readonly pid?: number;
  readonly healthy: boolean;
}

export interface DemoStack {
  readonly apiUrl: string;
  /** The simulator's HTTP control API (same port as its WebSocket endpoint). */
  readonly simulatorUrl: string;
  /** The demo's own throwaway admin key. */
  readonly adminKey: string;
  readonly logFile: string;
  /** The stack's runner processes, from its `/health`. */
  runners(): Promise<RunnerProcess[]>;
  /** SIGTERM, then SIGKILL of the whole process group after `graceMs`; the stack's exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export async function startDemoStack(options: DemoStackOptions): Promise<DemoStack> {
  const logFile = join(options.dataDir, STACK_LOG);
  const adminKey = randomToken(32);
  const log = openSync(logFile, 'a', 0o600);
  // The stack's LOG_LEVEL decides what its log holds, not a POWERTOOLS_LOG_LEVEL meant for the caller (tests).
  const { POWERTOOLS_LOG_LEVEL: _callers, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--import', PARENT_WATCH, STACK_ENTRY], {
    cwd: REPO_ROOT,
    env: {
      ...inherited,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'INFO',
      ...options.env,
      DATA_DIR: options.dataDir,
      PORT: '0',
      DYNAMODB_PORT: '0',
      SQS_PORT: '0',
      S3_PORT: '0',
      WA_SIMULATOR: 'true',
      SIM_PORT: '0',
      LOCAL_RUNNERS: '1',
      LOCAL_RUNNER_RESTART: 'true',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
      ADMIN_API_KEY: adminKey,
    },
    stdio: ['ignore', log, log, 'ipc'],
    detached: true,
  });
  closeSync(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const hint = `the stack's log (its runner's too) is ${logFile}`;

  try {
    const timeoutMs = options.startTimeoutMs ?? 45_000;
    const started = performance.now();
    const info = await eventually(
      async () => {
        if (exitCode !== undefined) throw new StepFailure(STARTING, `the stack exited with code ${exitCode} while starting:\n${tail(logFile)}`, hint);
        const info = readInfo(options.dataDir);
        return info && info.pid === child.pid ? done(info) : pending('the stack still starting');
      },
      { step: STARTING, what: 'the stack to come up', timeoutMs, hint },
    );
    const simulatorUrl = controlUrlOf(info.runnerEnv.WA_WEB_SOCKET_URL);
    const runners = () => runnerProcesses(info.apiUrl);
    await eventually(
      async () => {
        if (exitCode !== undefined) throw new StepFailure(STARTING, `the stack exited with code ${exitCode}:\n${tail(logFile)}`, hint);
        const health = await fetchHealth(info.apiUrl);
        return health.ok ? done(undefined) : pending(health.summary);
      },
      { step: STARTING, what: 'a healthy socket runner', timeoutMs: Math.max(1_000, timeoutMs - (performance.now() - started)), hint },
    );
    return {
      apiUrl: info.apiUrl,
      simulatorUrl,
      adminKey,
      logFile,
      runners,
      stop: (graceMs = 45_000) => stop(child, exited, graceMs),
    };
  } catch (error) {
    await stop(child, exited, 10_000);
    throw error;
  }
}

/** The stack's file, once written by a stack that finished starting. */
function readInfo(dataDir: string): StackInfo | undefined {
  const file = join(dataDir, STACK_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
  } catch {
    return undefined; // being written
  }
}

/** `ws://127.0.0.1:43437/ws/chat` -> `http://127.0.0.1:43437`. */
function controlUrlOf(webSocketUrl: string | undefined): string {
  if (!webSocketUrl) throw new StepFailure(STARTING, 'the stack started without the WhatsApp simulator (no WA_WEB_SOCKET_URL for its runners)');
  const url = new URL(webSocketUrl);
  return `${url.protocol === 'wss:' ? 'https' : 'http'}://${url.host}`;
}

interface HealthBody {
  readonly status?: string;
  readonly runners?: { readonly healthy?: number; readonly processes?: readonly (RunnerProcess & { readonly phase?: string; readonly error?: string })[] };
  readonly services?: Record<string, { readonly ok: boolean; readonly error?: string }>;
}

async function fetchHealth(apiUrl: string): Promise<{ ok: boolean; summary: string; body?: HealthBody }> {
  try {
    const response = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(3_000) });
    const body = (await response.json()) as HealthBody;
    if (response.ok) return { ok: true, summary: 'healthy', body };
    const down = Object.entries(body.services ?? {})
      .filter(([, service]) => !service.ok)
      .map(([name, service]) => `${name}: ${service.error ?? 'down'}`);
    const runner = body.runners?.processes?.[0];
    const runnerState = runner ? `runner ${runner.runnerId}: ${runner.healthy ? 'healthy' : (runner.error ?? runner.phase ?? 'not healthy')}` : 'no runner yet';
    return { ok: false, summary: [...down, runnerState].join('; '), body };
  } catch (error) {
    return { ok: false, summary: `/health did not answer (${(error as Error).message})` };
  }
}

async function runnerProcesses(apiUrl: string): Promise<RunnerProcess[]> {
  const response = await fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(3_000) });
  const body = (await response.json()) as HealthBody;
  return (body.runners?.processes ?? []).map(({ runnerId, pid, healthy }) => ({ runnerId, pid, healthy }));
}

async function stop(child: ChildProcess, exited: Promise<number | null>, graceMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<null>((resolve) => {
    timer = setTimeout(() => {
      killGroup(child.pid!);
      resolve(null);
    }, graceMs);
  });
  const code = await Promise.race([exited, killed]);
  clearTimeout(timer);
  // Killed: its runners (in their own process groups) see the stack's IPC channel close and stop themselves.
  if (code === null) await exited;
  return code;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The last lines of the stack's log, for a stack that died while starting. */
function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).map((line) => `    ${line}`).join('\n');
  } catch {
    return '';
  }
}
