/**
 * Child processes the benchmarks and the fault suite drive over Node's IPC channel: the simulator, bare
 * Baileys fleets, runners with the memory probe. The parent side spawns a TypeScript entry with tsx (plus
 * optional preloads), calls named operations and listens to events; the child side serves a handler table.
 * Every call has a timeout, so a wedged child fails the run with a message instead of hanging it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';

export const TSX_IMPORT = import.meta.resolve('tsx');

export interface SpawnOptions {
  /** Modules loaded with `--import` after tsx, in order. */
  readonly imports?: readonly string[];
  /** Extra node flags (e.g. `--expose-gc`). */
  readonly nodeArgs?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** Where the child's stdout/stderr go (default: ignored; 'inherit' for debugging). */
  readonly output?: 'inherit' | 'ignore' | 'pipe';
}

interface Reply {
  readonly kind: 'reply';
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

interface EventMessage {
  readonly kind: 'event';
  readonly name: string;
  readonly data: unknown;
}

export class ChildHandle extends EventEmitter {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    super();
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        for (const [, call] of this.pending) {
          clearTimeout(call.timer);
          call.reject(new Error(`${label} exited (code ${code}, signal ${signal}) before answering`));
        }
        this.pending.clear();
        resolve({ code, signal });
      });
    });
    child.on('message', (message: Reply | EventMessage) => {
      if (message.kind === 'reply') {
        const call = this.pending.get(message.id);
        if (!call) return;
        this.pending.delete(message.id);
        clearTimeout(call.timer);
        if (message.ok) call.resolve(message.value);
        else call.reject(new Error(`${label}: ${message.error}`));
      } else if (message.kind === 'event') {
        this.emit(message.name, message.data);
      }
    });
    child.on('error', (error) => this.emit('child-error', error));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  call<T>(op: string, args: unknown = {}, timeoutMs = 60_000): Promise<T> {
    if (!this.alive) return Promise.reject(new Error(`${this.label} is not running`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label}: '${op}' did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      this.child.send({ kind: 'call', id, op, args });
    });
  }

  /** Resolves with the first event `name` whose data matches, or rejects after `timeoutMs`. */
  waitFor<T>(name: string, predicate: (data: T) => boolean = () => true, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off(name, listener);
        reject(new Error(`${this.label}: no '${name}' event within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (data: T) => {
        if (!predicate(data)) return;
        clearTimeout(timer);
        this.off(name, listener);
        resolve(data);
      };
      this.on(name, listener);
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Resident set size of the child, from /proc (Linux). */
  rssBytes(): number {
    return rssOf(this.pid);
  }
}

export function spawnChild(label: string, entry: string, options: SpawnOptions = {}): ChildHandle {
  const args = [...(options.nodeArgs ?? []), '--import', TSX_IMPORT, ...(options.imports ?? []).flatMap((m) => ['--import', m]), entry];
  const output = options.output ?? 'ignore';
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: Object.fromEntries(Object.entries({ ...process.env, ...options.env }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ['ignore', output, output, 'ipc'],
  });
  return new ChildHandle(label, child);
}

/** VmRSS of a process in bytes (0 when it is gone). */
export function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) a process has used, in ms, from /proc (Linux). */
export function cpuMsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

// --- child side ------------------------------------------------------------------------------------------

export type Handlers = Record<string, (args: never) => unknown>;

/** Serves `handlers` over the IPC channel; the channel does not keep the process alive on its own. */
export function serveRpc(handlers: Handlers): void {
  if (!process.send) throw new Error('serveRpc needs an IPC channel (spawn with stdio ipc)');
  process.on('message', (message: { kind: string; id: number; op: string; args: unknown }) => {
    if (message?.kind !== 'call') return;
    const handler = handlers[message.op];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown operation ${message.op}`);
        return handler(message.args as never);
      })
      .then(
        (value) => process.send?.({ kind: 'reply', id: message.id, ok: true, value }),
        (error: unknown) => process.send?.({ kind: 'reply', id: message.id, ok: false, error: (error as Error)?.message ?? String(error) }),
      );
  });
  // When the parent goes away, so do we.
  process.once('disconnect', () => process.exit(0));
}

export function emitEvent(name: string, data: unknown): void {
  process.send?.({ kind: 'event', name, data });
}

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
