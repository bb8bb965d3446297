/**
 * A socket runner (socket-runner/main.ts, unchanged) as a child process for benchmarks and fault runs:
 * from source the way the local stack loads it (tsx, the simulator trust-anchor preload; the fault suite)
 * or as the bundle the container image ships (the benchmarks), plus the memory probe,
 * with `--expose-gc`, its own RUNNER_ID and HEALTH_PORT, and any timing overrides. Output goes to a log
 * file when one is given (handy when a scenario fails), else nowhere.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../local/http-listener.ts';
import { ChildHandle, TSX_IMPORT } from './child-rpc.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNNER_ENTRY = fileURLToPath(new URL('../../socket-runner/main.ts', import.meta.url));
const SIM_PRELOAD = fileURLToPath(new URL('../../local/wa-simulator/preload.ts', import.meta.url));
const MEMORY_PROBE = fileURLToPath(new URL('./memory-probe.ts', import.meta.url));

export interface RunnerProbe {
  readonly memory: NodeJS.MemoryUsage;
  readonly eventLoopDelayMs: { p50: number; p99: number; max: number; mean: number; count: number };
  readonly cpu: NodeJS.CpuUsage;
  readonly gcAvailable: boolean;
}

export interface RunnerHealthBody {
  readonly status: string;
  readonly runnerId: string;
  readonly slot: number | null;
  readonly sessions: { total: number; byStatus: Record<string, number> };
}

export interface RunnerSpawnOptions {
  readonly runnerId: string;
  /** Resource, endpoint and simulator variables, plus timing overrides. */
  readonly env: Readonly<Record<string, string>>;
  /** Extra preloads after the standard ones (e.g. the chaos clock skew). */
  readonly imports?: readonly string[];
  /**
   * By default socket-runner/main.ts runs from source through tsx. The benchmarks pass the bundle the
   * container image ships (infra/runner-bundle.ts) and the memory probe built to plain JavaScript: run by
   * plain node, as in the image (tsx's loader would transform the 10 MB bundle again and hold ~500 MB).
   */
  readonly bundle?: RunnerBundle;
  readonly logFile?: string;
}

export interface RunnerBundle {
  readonly main: string;
  readonly memoryProbe: string;
}

export class RunnerProcess {
  private constructor(
    readonly runnerId: string,
    readonly healthPort: number,
    readonly handle: ChildHandle,
  ) {}

  static async spawn(options: RunnerSpawnOptions): Promise<RunnerProcess> {
    const healthPort = await freePort();
    const imports = options.bundle ? [options.bundle.memoryProbe] : [TSX_IMPORT, SIM_PRELOAD, MEMORY_PROBE];
    if (options.imports?.length) imports.push(...(options.bundle ? [TSX_IMPORT] : []), ...options.imports);
    const args = ['--expose-gc', ...imports.flatMap((m) => ['--import', m]), options.bundle?.main ?? RUNNER_ENTRY];
    const fd = options.logFile ? openSync(options.logFile, 'a') : undefined;
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...cleanEnv(), LOG_LEVEL: process.env.BENCH_RUNNER_LOG_LEVEL ?? 'WARN', ...options.env, RUNNER_ID: options.runnerId, HEALTH_PORT: String(healthPort) },
      stdio: ['ignore', fd ?? 'ignore', fd ?? 'ignore', 'ipc'],
    });
    if (fd !== undefined) child.once('spawn', () => closeSync(fd));
    return new RunnerProcess(options.runnerId, healthPort, new ChildHandle(`runner ${options.runnerId}`, child));
  }

  get pid(): number {
    return this.handle.pid;
  }

  get alive(): boolean {
    return this.handle.alive;
  }

  probe(options: { gc?: boolean; resetDelay?: boolean } = {}): Promise<RunnerProbe> {
    return this.handle.call('probe', options, 60_000);
  }

  rssBytes(): number {
    return this.handle.rssBytes();
  }

  /** GET /health: the body (200 or 503), or undefined while the server is not up. */
  async health(): Promise<(RunnerHealthBody & { healthy: boolean }) | undefined> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.healthPort}/health`, { signal: AbortSignal.timeout(2_000) });
      return { ...((await res.json()) as RunnerHealthBody), healthy: res.ok };
    } catch {
      return undefined;
    }
  }

  /** Resolves once the runner holds a slot and polls it; fails if it exits first. */
  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive) throw new Error(`runner ${this.runnerId} exited before it was ready`);
      if ((await this.health())?.healthy) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`runner ${this.runnerId} not ready within ${timeoutMs} ms`);
  }

  /** Hosted sessions that are open, per its health report. */
  async openCount(): Promise<number> {
    return (await this.health())?.sessions.byStatus.open ?? 0;
  }

  kill(signal: NodeJS.Signals): void {
    this.handle.signal(signal);
  }

  stop(graceMs = 30_000): Promise<void> {
    return this.handle.stop(graceMs);
  }
}

/** This process's environment without AWS profile settings (the emulators' keys are set explicitly). */
function cleanEnv(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^AWS_(PROFILE|SESSION_TOKEN|DEFAULT_PROFILE|CONFIG_FILE|SHARED_CREDENTIALS_FILE)$/.test(name)) out[name] = value;
  }
  return out;
}
