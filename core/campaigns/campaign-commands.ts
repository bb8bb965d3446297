/**
 * What campaigns need from the commands side (D2/D3): record a recipient's send as an ordinary
 * `send_message` command, read back command statuses in batches for outcome accounting, fail a command
 * that is still queued (expired backlog, cancelled campaign), and hand commands to the owner's slot queue.
 * `CampaignCommands` is the port the use-cases depend on; `DynamoCampaignCommands` implements it on the
 * commands table and the slot queues.
 */
import type { DynamoTable } from '../aws/dynamo-table.ts';
import type { CommandEnvelope, CommandFailure, CommandStatus } from '../domain/command.ts';
import type { SendMessagePayload } from '../domain/message.ts';
import { commandPartition, type CommandRepository, type NewCommand } from '../commands/command-repository.ts';
import type { SlotQueues } from '../commands/slot-queues.ts';

export interface CommandState {
  readonly status: CommandStatus;
  readonly notAfter: string;
  readonly failure?: CommandFailure;
}

export interface CampaignCommands {
  /** Records the command (idempotent on its id) and returns its current state. */
  create(command: NewCommand<SendMessagePayload>): Promise<CommandState>;
  /** States of one session's commands by id (missing ones are absent). */
  states(tenantId: string, sessionId: string, commandIds: readonly string[]): Promise<Map<string, CommandState>>;
  /** Fails a command only if nobody has started sending it; false when it had moved on. */
  failIfQueued(tenantId: string, sessionId: string, commandId: string, failure: CommandFailure, at: string): Promise<boolean>;
  /** Delivers envelopes to a slot's queue; returns how many SQS refused (they stay queued for re-drive). */
  dispatch(slot: number, envelopes: readonly CommandEnvelope[]): Promise<number>;
}

export class DynamoCampaignCommands implements CampaignCommands {
  constructor(
    private readonly repository: CommandRepository,
    private readonly table: DynamoTable,
    private readonly slotQueues: SlotQueues,
  ) {}

  async create(command: NewCommand<SendMessagePayload>): Promise<CommandState> {
    const { record } = await this.repository.create(command);
    return { status: record.status, notAfter: record.notAfter, failure: record.failure };
  }

  async states(tenantId: string, sessionId: string, commandIds: readonly string[]): Promise<Map<string, CommandState>> {
    const partition = commandPartition(tenantId, sessionId);
    const items = await this.table.getMany([...new Set(commandIds)].map((commandId) => ({ pk: partition, sk: commandId })));
    return new Map(
      items.map((item) => [
        String(item.commandId),
        { status: item.status as CommandStatus, notAfter: String(item.notAfter), failure: item.failure as CommandFailure | undefined },
      ]),
    );
  }

  async failIfQueued(tenantId: string, sessionId: string, commandId: string, failure: CommandFailure, at: string): Promise<boolean> {
    // Only from queued: a runner may be claiming it for sending at this very moment.
    const failed = await this.repository.transition(tenantId, sessionId, commandId, 'failed', { from: ['queued'], failure, reason: failure.code, at });
    return failed !== undefined;
  }

  async dispatch(slot: number, envelopes: readonly CommandEnvelope[]): Promise<number> {
    if (envelopes.length === 0) return 0;
    // Same group and deduplication ids as SlotQueues.send: per-session order, SQS drops a resend.
    const failures = await this.slotQueues.queue(slot).sendMany(
      envelopes.map((envelope) => ({ body: JSON.stringify(envelope), groupId: envelope.sessionId, deduplicationId: envelope.commandId })),
    );
    return failures.length;
  }
}
