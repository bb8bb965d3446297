/**
 * The local stack's socket runners (LOCAL_RUNNERS): child processes, each with its own RUNNER_ID and
 * HEALTH_PORT, so one can be killed without killing the stack. Like ECS replacing a stopped task, a runner
 * that exits is started again (a fresh id and port) after a backoff that doubles from 1 s up to 30 s and
 * resets once a runner has stayed up for a minute; LOCAL_RUNNER_RESTART=false turns that off for fault
 * tests. Stopping sends SIGTERM, waits a grace period for the handover (D4), then SIGKILLs stragglers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../core/logger.ts';
import { freePort } from '../http-listener.ts';

export interface RunnerCommand {
  /** Modules node loads with `--import` before the entry, in order (the TypeScript loader first). */
  readonly imports: readonly string[];
  readonly entry: string;
  readonly cwd: string;
  /** The environment every runner gets; RUNNER_ID and HEALTH_PORT are added per runner. */
  readonly env: Readonly<Record<string, string>>;
}

export interface RunnerFleetOptions {
  readonly count: number;
  readonly command: RunnerCommand;
  readonly restart: boolean;
  readonly logger: Logger;
  readonly output?: 'inherit' | 'ignore';
  readonly restartDelayMs?: { readonly base: number; readonly max: number };
  /** A runner up this long resets the restart backoff. */
  readonly healthyRunMs?: number;
  readonly stopGraceMs?: number;
  readonly healthTimeoutMs?: number;
}

export type RunnerPhase = 'running' | 'restarting' | 'exited' | 'stopped';

export interface RunnerState {
  readonly index: number;
  readonly runnerId: string;
  readonly pid?: number;
  readonly healthPort: number;
  readonly phase: RunnerPhase;
  readonly restarts: number;
  readonly lastExit?: { readonly code: number | null; readonly signal: string | null; readonly at: string };
}

export interface RunnerHealth extends RunnerState {
  readonly healthy: boolean;
  readonly error?: string;
}

interface Slot {
  index: number;
  runnerId: string;
  healthPort: number;
  child?: ChildProcess;
  exited?: Promise<void>;
  phase: RunnerPhase;
  restarts: number;
  failures: number;
  startedAt: number;
  lastExit?: RunnerState['lastExit'];
  timer?: NodeJS.Timeout;
}

const PARENT_WATCH = fileURLToPath(new URL('./parent-watch.ts', import.meta.url));

/** Node's arguments for a runner: its preloads, the parent watch, then the entry. */
export function runnerArgs(command: Pick<RunnerCommand, 'imports' | 'entry'>): string[] {
  return [...[...command.imports, PARENT_WATCH].flatMap((module) => ['--import', module]), command.entry];
}

export class RunnerFleet {
  private readonly slots: Slot[] = [];
  private stopping = false;

  constructor(private readonly options: RunnerFleetOptions) {}

  async start(): Promise<void> {
    for (let index = 0; index < this.options.count; index++) {
      const slot: Slot = { index, runnerId: '', healthPort: 0, phase: 'restarting', restarts: 0, failures: 0, startedAt: 0 };
      this.slots.push(slot);
      await this.launch(slot);
    }
  }

  runners(): RunnerState[] {
    return this.slots.map(({ index, runnerId, child, healthPort, phase, restarts, lastExit }) => ({
      index,
      runnerId,
      pid: phase === 'running' ? child?.pid : undefined,
      healthPort,
      phase,
      restarts,
      lastExit,
    }));
  }

  /** Each runner's own `GET /health` (2xx = healthy), with a short timeout. */
  async probe(): Promise<RunnerHealth[]> {
    const timeoutMs = this.options.healthTimeoutMs ?? 1_000;
    return Promise.all(
      this.runners().map(async (runner): Promise<RunnerHealth> => {
        if (runner.phase !== 'running') return { ...runner, healthy: false, error: runner.phase };
        try {
          const res = await fetch(`http://127.0.0.1:${runner.healthPort}/health`, { signal: AbortSignal.timeout(timeoutMs) });
          await res.body?.cancel();
          return res.ok ? { ...runner, healthy: true } : { ...runner, healthy: false, error: `health answered ${res.status}` };
        } catch (error) {
          return { ...runner, healthy: false, error: (error as Error).message };
        }
      }),
    );
  }

  /** SIGTERM to every runner, SIGKILL to those still running after the grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    const graceMs = this.options.stopGraceMs ?? 30_000;
    for (const slot of this.slots) clearTimeout(slot.timer);
    const live = this.slots.filter((slot) => slot.phase === 'running' && slot.child);
    for (const slot of live) slot.child!.kill('SIGTERM');
    await Promise.all(
      live.map(async (slot) => {
        const killer = setTimeout(() => {
          this.options.logger.warn('runner.kill', { runnerId: slot.runnerId, graceMs });
          slot.child!.kill('SIGKILL');
        }, graceMs);
        await slot.exited;
        clearTimeout(killer);
      }),
    );
    for (const slot of this.slots) slot.phase = 'stopped';
  }

  private async launch(slot: Slot): Promise<void> {
    if (this.stopping) return;
    slot.runnerId = `local-${slot.index + 1}-${randomBytes(3).toString('hex')}`;
    slot.healthPort = await freePort();
    if (this.stopping) return;
    const { command } = this.options;
    const args = runnerArgs(command);
    const output = this.options.output ?? 'inherit';
    const child = spawn(process.execPath, args, {
      cwd: command.cwd,
      env: { ...command.env, RUNNER_ID: slot.runnerId, HEALTH_PORT: String(slot.healthPort) },
      stdio: ['ignore', output, output, 'ipc'],
      // Own process group: a terminal's Ctrl-C reaches the stack only, which then stops each runner with one
      // SIGTERM (a second signal would make the runner skip its handover).
      detached: true,
    });
    slot.child = child;
    slot.phase = 'running';
    slot.startedAt = Date.now();
    slot.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exited(slot, code, signal);
        resolve();
      });
    });
    child.on('error', (error) => this.options.logger.error('runner.spawn_failed', { runnerId: slot.runnerId, error }));
    this.options.logger.info('runner.started', { runnerId: slot.runnerId, pid: child.pid, healthPort: slot.healthPort });
  }

  private exited(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    slot.lastExit = { code, signal, at: new Date().toISOString() };
    slot.child = undefined;
    if (this.stopping) {
      slot.phase = 'stopped';
      return;
    }
    this.options.logger.warn('runner.exited', { runnerId: slot.runnerId, code, signal, restart: this.options.restart });
    if (!this.options.restart) {
      slot.phase = 'exited';
      return;
    }
    const { base, max } = this.options.restartDelayMs ?? { base: 1_000, max: 30_000 };
    slot.failures = Date.now() - slot.startedAt >= (this.options.healthyRunMs ?? 60_000) ? 0 : slot.failures + 1;
    const delayMs = Math.min(max, base * 2 ** Math.max(0, slot.failures - 1));
    slot.phase = 'restarting';
    slot.restarts += 1;
    slot.timer = setTimeout(() => {
      this.launch(slot).catch((error: unknown) => this.options.logger.error('runner.restart_failed', { index: slot.index, error: error as Error }));
    }, delayMs);
  }
}
