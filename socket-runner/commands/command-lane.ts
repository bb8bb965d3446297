/**
 * One session's command lane: its commands run one at a time, in the order they were heard of (the SQS
 * FIFO group is the session, and re-drives list oldest first), with the session's pacer in front of every
 * send. Both sources feed the same lane, and a command already in the lane is not queued twice.
 *
 * Re-drive (D2): when the session opens (and, for pairing codes, when it shows a QR) and then periodically
 * while hosted, the lane lists the session's pending commands from DynamoDB and runs them; while the
 * session cannot run commands the same sweep still fails the ones that expired, so nothing accepted stays
 * `queued` for ever. Memory is bounded: at most `maxPending` commands wait in the lane; the rest stay in
 * DynamoDB for the next sweep.
 */
import type { Clock } from '../../core/clock.ts';
import type { CommandRecord } from '../../core/domain/command.ts';
import type { Logger } from '../../core/logger.ts';
import { settleWithin } from '../settle-within.ts';
import type { CommandExecutor, CommandOutcome, CommandStore } from './command-executor.ts';
import type { CommandTarget } from './command-target.ts';
import { Pacer } from './pacer.ts';

export interface LaneConfig {
  readonly maxPending: number;
  /** Interval of the periodic re-drive sweep (plus up to 10 % jitter). */
  readonly redriveIntervalMs: number;
  readonly redrivePageSize: number;
  /** How long `close` waits for the command in flight. */
  readonly closeTimeoutMs: number;
}

export const DEFAULT_LANE_CONFIG: LaneConfig = { maxPending: 100, redriveIntervalMs: 60_000, redrivePageSize: 25, closeTimeoutMs: 15_000 };

export interface LaneDeps {
  readonly target: CommandTarget;
  /** The ownership epoch the session is hosted under: recorded with each claim. */
  readonly ownerEpoch: number;
  readonly executor: CommandExecutor;
  readonly commands: CommandStore;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: Logger;
  readonly config: LaneConfig;
}

/** A lane's answer about one command; `error`: the store failed, let the queue redeliver it. */
export type LaneOutcome = CommandOutcome | 'error';

export class CommandLane {
  private readonly pending = new Map<string, Promise<LaneOutcome>>();
  private readonly interrupted = new Set<string>();
  private readonly abort = new AbortController();
  private readonly pacer: Pacer;
  private tail: Promise<unknown> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sweeping = false;
  private sweeps = 0;
  private truncated = false;
  private closed = false;

  constructor(private readonly deps: LaneDeps) {
    this.pacer = new Pacer(deps.target.pacing(), deps.clock, deps.random);
  }

  /** Starts the periodic sweep. */
  start(): void {
    this.scheduleSweep();
  }

  size(): number {
    return this.pending.size;
  }

  /** Resolves when every command handed to the lane so far has settled. */
  async drain(): Promise<void> {
    await this.tail;
  }

  /** Runs a command heard of through the queue; resolves with what happened to it. */
  submit(commandId: string): Promise<LaneOutcome> {
    return this.enqueue(commandId, () => this.deps.executor.execute(this.deps.target, commandId, this.context()));
  }

  /**
   * Lists the session's pending commands from DynamoDB and runs them (or expires them). With
   * `refreshPacing`, also re-reads the session's pacing (the tenant may have changed it).
   */
  async redrive(options: { refreshPacing?: boolean } = {}): Promise<void> {
    if (this.closed || this.sweeping) return;
    this.sweeping = true;
    try {
      if (options.refreshPacing ?? true) {
        this.deps.target.refreshRecord().then(
          (record) => record && this.pacer.update(record.pacing),
          () => {},
        );
      }
      let cursor: string | undefined;
      do {
        const page = await this.deps.commands.listQueued(this.deps.target.tenantId, this.deps.target.sessionId, {
          limit: this.deps.config.redrivePageSize,
          cursor,
        });
        for (const record of page.items) void this.submitRecord(record);
        cursor = page.cursor;
      } while (cursor && !this.closed && this.pending.size < this.deps.config.maxPending);
      this.truncated = cursor !== undefined;
    } catch (error) {
      this.deps.logger.warn('commands.redrive_failed', { error });
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * Before a deleted session is purged: fail its remaining commands (`session_deleted`), and mark
   * `logout` commands done (the deletion is their logout). Commands in flight in this lane finish on their own.
   */
  async settleForDeletion(): Promise<void> {
    this.stop();
    const { tenantId, sessionId } = this.deps.target;
    const commands = this.deps.commands;
    let cursor: string | undefined;
    do {
      const page = await commands.listQueued(tenantId, sessionId, { limit: 100, cursor });
      for (const record of page.items) {
        if (this.pending.has(record.commandId)) continue;
        if (record.type === 'logout') {
          await commands.transition(tenantId, sessionId, record.commandId, 'sending', { keepPending: true });
          await commands.transition(tenantId, sessionId, record.commandId, 'sent', { result: { loggedOut: true } });
        } else {
          await commands.transition(tenantId, sessionId, record.commandId, 'failed', {
            reason: 'session_deleted',
            failure: { code: 'session_deleted', message: 'The session was deleted before the command ran' },
          });
        }
      }
      cursor = page.cursor;
    } while (cursor);
  }

  /** Stops taking commands, aborts pacing waits, waits (bounded) for the command in flight. */
  async close(): Promise<void> {
    this.stop();
    await settleWithin(this.tail, this.deps.config.closeTimeoutMs);
  }

  private stop(): void {
    this.closed = true;
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private submitRecord(record: CommandRecord): Promise<LaneOutcome> {
    return this.enqueue(record.commandId, () => this.deps.executor.run(this.deps.target, record, this.context()));
  }

  private enqueue(commandId: string, run: () => Promise<CommandOutcome>): Promise<LaneOutcome> {
    if (this.closed) return Promise.resolve('deferred');
    const existing = this.pending.get(commandId);
    if (existing) return existing;
    if (this.pending.size >= this.deps.config.maxPending) return Promise.resolve('deferred');
    const result = this.tail.then(async (): Promise<LaneOutcome> => {
      if (this.closed) return 'deferred';
      try {
        return await run();
      } catch (error) {
        this.deps.logger.warn('commands.execute_failed', { commandId, error });
        return 'error';
      }
    });
    this.tail = result;
    this.pending.set(commandId, result);
    void result.then(() => {
      this.pending.delete(commandId);
      if (this.pending.size === 0 && this.truncated) void this.redrive({ refreshPacing: false });
    });
    return result;
  }

  private context() {
    return { pacer: this.pacer, signal: this.abort.signal, interrupted: this.interrupted, ownerEpoch: this.deps.ownerEpoch };
  }

  private scheduleSweep(): void {
    if (this.closed) return;
    const interval = this.deps.config.redriveIntervalMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // Pacing changes are rare: re-read them on open and every fifth sweep, not on every one.
      const refreshPacing = ++this.sweeps % 5 === 0;
      const sweep = this.pending.size === 0 ? this.redrive({ refreshPacing }) : Promise.resolve();
      void sweep.finally(() => this.scheduleSweep());
    }, interval + Math.floor(this.deps.random() * interval * 0.1));
  }
}
