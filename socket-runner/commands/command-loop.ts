/**
 * The command loop on this runner's slot queue (D3): long-polls `commands-{slot}.fifo` and hands each
 * command to the lane of the session it is for. Per-session order comes from the FIFO group (the next
 * message of a session is not delivered while one is in flight) and from the lane; sessions run in
 * parallel, up to `maxInFlight` messages at once.
 *
 * A message stays invisible while its command runs (visibility extended every half period). It is deleted
 * once the command is settled or safely left to DynamoDB (the re-drive picks up what is still queued), in
 * batches when several finish while a delete is on the wire (delete-batcher.ts); it
 * is left to reappear only when the store failed, so the queue's redrive policy moves a command that keeps
 * failing to the DLQ. Poison bodies are deleted and logged. A command for a session this runner does not
 * host is forwarded to its owner's slot (hops + 1, at most `maxHops`), or dropped from the queue when
 * nobody else owns it: the next owner re-drives it from DynamoDB.
 */
import type { Clock } from '../../core/clock.ts';
import type { CommandEnvelope } from '../../core/domain/command.ts';
import type { Logger } from '../../core/logger.ts';
import type { ReceivedMessage, SqsQueue } from '../../core/aws/sqs-queue.ts';
import type { CommandPoller, Ownership } from '../contracts.ts';
import { settleWithin } from '../settle-within.ts';
import type { CommandMetrics } from './command-executor.ts';
import { parseEnvelope } from './command-envelope.ts';
import type { CommandLane } from './command-lane.ts';
import { pause } from '../../core/abortable-pause.ts';
import { DeleteBatcher } from './delete-batcher.ts';

export type SlotQueue = Pick<SqsQueue, 'receive' | 'delete' | 'deleteMany' | 'changeVisibility'>;

export interface SlotQueueDirectory {
  queue(slot: number): SlotQueue;
  send(slot: number, envelope: CommandEnvelope): Promise<void>;
}

export interface LaneDirectory {
  /** The lane of a session hosted here (tenant and session must both match), else undefined. */
  lane(tenantId: string, sessionId: string): CommandLane | undefined;
}

export interface LoopConfig {
  readonly waitSeconds: number;
  readonly maxInFlight: number;
  readonly visibilitySeconds: number;
  readonly maxHops: number;
  /** Visibility after a store failure: the message comes back this soon (and counts a receive). */
  readonly retryVisibilitySeconds: number;
  readonly errorBackoffMs: number;
  /**
   * How long `stop` waits for in-flight commands before leaving their messages to reappear. Short: a drain
   * must not wait out a paced send; the session's lane finishes or defers it when the host closes it, and
   * the command is in DynamoDB for the next owner either way.
   */
  readonly stopTimeoutMs: number;
}

export const DEFAULT_LOOP_CONFIG: LoopConfig = {
  waitSeconds: 20,
  maxInFlight: 64,
  visibilitySeconds: 60,
  maxHops: 3,
  retryVisibilitySeconds: 10,
  errorBackoffMs: 1_000,
  stopTimeoutMs: 5_000,
};

export interface CommandLoopDeps {
  readonly queues: SlotQueueDirectory;
  readonly lanes: LaneDirectory;
  readonly ownership: Pick<Ownership, 'ownerSlotOf'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: Pick<CommandMetrics, 'commandOutcome' | 'queueLag'>;
  readonly config?: Partial<LoopConfig>;
}

export interface CommandLoop extends CommandPoller {
  /** True while receiving from a slot queue (health). */
  isRunning(): boolean;
  slot(): number | undefined;
}

export function createCommandLoop(deps: CommandLoopDeps): CommandLoop {
  return new SlotCommandLoop(deps);
}

class SlotCommandLoop implements CommandLoop {
  private readonly config: LoopConfig;
  private readonly inFlight = new Set<Promise<void>>();
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private currentSlot: number | undefined;
  private capacityWaiter: (() => void) | undefined;

  constructor(private readonly deps: CommandLoopDeps) {
    this.config = { ...DEFAULT_LOOP_CONFIG, ...deps.config };
  }

  isRunning(): boolean {
    return this.running !== undefined && !this.abort?.signal.aborted;
  }

  slot(): number | undefined {
    return this.currentSlot;
  }

  start(slot: number): void {
    if (this.running) {
      if (this.currentSlot !== slot) this.deps.logger.error('commands.loop_already_running', { slot, runningSlot: this.currentSlot });
      return;
    }
    this.currentSlot = slot;
    const abort = (this.abort = new AbortController());
    this.running = this.poll(slot, abort.signal).finally(() => {
      this.running = undefined;
      this.currentSlot = undefined;
    });
    this.deps.logger.info('commands.loop_started', { slot });
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.abort?.abort();
    this.capacityWaiter?.();
    await this.running;
    await settleWithin(Promise.allSettled([...this.inFlight]), this.config.stopTimeoutMs);
    this.deps.logger.info('commands.loop_stopped', { inFlight: this.inFlight.size });
  }

  private async poll(slot: number, signal: AbortSignal): Promise<void> {
    const queue = this.deps.queues.queue(slot);
    const deletes = new DeleteBatcher(queue, (error, messages) => this.deps.logger.warn('commands.delete_failed', { slot, messages, error }));
    while (!signal.aborted) {
      await this.capacity(signal);
      if (signal.aborted) break;
      let messages: ReceivedMessage[];
      try {
        messages = await queue.receive({
          maxMessages: Math.min(10, this.config.maxInFlight - this.inFlight.size),
          waitSeconds: this.config.waitSeconds,
          visibilityTimeoutSeconds: this.config.visibilitySeconds,
          abortSignal: signal,
        });
      } catch (error) {
        if (signal.aborted) break;
        this.deps.logger.warn('commands.receive_failed', { slot, error });
        await pause(this.config.errorBackoffMs, signal);
        continue;
      }
      for (const message of messages) this.track(this.handle(queue, deletes, slot, message, signal));
    }
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => {
      this.inFlight.delete(work);
      this.capacityWaiter?.();
    });
  }

  private async capacity(signal: AbortSignal): Promise<void> {
    while (this.inFlight.size >= this.config.maxInFlight && !signal.aborted) {
      await new Promise<void>((resolve) => (this.capacityWaiter = resolve));
      this.capacityWaiter = undefined;
    }
  }

  private async handle(queue: SlotQueue, deletes: DeleteBatcher, slot: number, message: ReceivedMessage, signal: AbortSignal): Promise<void> {
    const { logger, metrics, clock } = this.deps;
    metrics?.queueLag(Math.max(0, clock.now() - message.sentAt));
    const envelope = parseEnvelope(message.body);
    if (!envelope) {
      logger.error('commands.poison_message', { slot, messageId: message.messageId, receiveCount: message.receiveCount, bytes: message.body.length });
      metrics?.commandOutcome('poison', 'unknown');
      return deletes.delete(message.receiptHandle);
    }
    const log = { slot, tenantId: envelope.tenantId, sessionId: envelope.sessionId, commandId: envelope.commandId };
    try {
      const lane = this.deps.lanes.lane(envelope.tenantId, envelope.sessionId);
      if (lane) {
        const heartbeat = this.keepInvisible(queue, message, signal);
        const outcome = await lane.submit(envelope.commandId).finally(() => clearInterval(heartbeat));
        if (outcome === 'error') return this.retryLater(queue, message);
        logger.debug('commands.handled', { ...log, outcome });
        return deletes.delete(message.receiptHandle);
      }
      await this.route(slot, envelope, log);
      return deletes.delete(message.receiptHandle);
    } catch (error) {
      logger.warn('commands.handle_failed', { ...log, error });
      return this.retryLater(queue, message);
    }
  }

  /** A command for a session not hosted here: to its owner's slot, or left to the next owner's re-drive. */
  private async route(slot: number, envelope: CommandEnvelope, log: Record<string, unknown>): Promise<void> {
    const { logger, metrics } = this.deps;
    const ownerSlot = await this.deps.ownership.ownerSlotOf(envelope.tenantId, envelope.sessionId);
    const hops = envelope.hops ?? 0;
    if (ownerSlot === undefined || ownerSlot === slot) {
      logger.info('commands.left_for_redrive', { ...log, ownerSlot });
      metrics?.commandOutcome('left_for_redrive', 'unknown');
    } else if (hops >= this.config.maxHops) {
      logger.warn('commands.forward_gave_up', { ...log, ownerSlot, hops });
      metrics?.commandOutcome('forward_gave_up', 'unknown');
    } else {
      await this.deps.queues.send(ownerSlot, { ...envelope, hops: hops + 1 });
      logger.info('commands.forwarded', { ...log, ownerSlot, hops: hops + 1 });
      metrics?.commandOutcome('forwarded', 'unknown');
    }
  }

  private keepInvisible(queue: SlotQueue, message: ReceivedMessage, signal: AbortSignal): ReturnType<typeof setInterval> {
    const seconds = this.config.visibilitySeconds;
    return setInterval(() => {
      if (signal.aborted) return;
      queue.changeVisibility(message.receiptHandle, seconds).catch((error: unknown) => {
        this.deps.logger.warn('commands.visibility_extend_failed', { messageId: message.messageId, error });
      });
    }, (seconds * 1000) / 2);
  }

  private async retryLater(queue: SlotQueue, message: ReceivedMessage): Promise<void> {
    await queue.changeVisibility(message.receiptHandle, this.config.retryVisibilitySeconds).catch(() => {});
  }
}
