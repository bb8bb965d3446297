/**
 * Command records in the commands table (pk = tenantId#sessionId, sk = commandId). A command is written
 * here before it is acknowledged to the client (D2) and moves forward only, by conditional updates, so
 * duplicate SQS deliveries, late receipts and racing runners cannot move it back or send it twice.
 *
 * gsi1 (sparse) holds queued commands per session: a runner that claims a session re-drives them from here.
 */
import type { DynamoTable, Page } from '../aws/dynamo-table.ts';
import type { Clock } from '../clock.ts';
import { ConditionFailedError } from '../errors.ts';
import {
  statusesBefore,
  type CommandFailure,
  type CommandRecord,
  type CommandStatus,
  type CommandType,
} from '../domain/command.ts';

export interface NewCommand<P = Record<string, unknown>> {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly commandId: string;
  readonly type: CommandType;
  readonly payload: P;
  readonly notAfter: string;
  readonly waMessageId?: string;
  readonly correlationId?: string;
  readonly campaignId?: string;
}

export interface TransitionDetails {
  readonly reason?: string;
  readonly result?: Record<string, unknown>;
  readonly failure?: CommandFailure;
  /** When it happened (receipt timestamps); defaults to now. */
  readonly at?: string;
  /**
   * Keep the command in the queued index (gsi1) after this move. The runner claims a command with
   * `sending` + keepPending, so that if it dies mid-send the next owner's re-drive still finds the command
   * and can retry it with the same WhatsApp id (see `retrySending`).
   */
  readonly keepPending?: boolean;
  /**
   * Only move from these statuses (a subset of the forward ones): a caller acting on what it read, e.g.
   * failing a send it saw as `sending`, must not override a `sent` that landed meanwhile.
   */
  readonly from?: readonly CommandStatus[];
  /** The claimer's ownership epoch (session lease), recorded with a `sending` claim. */
  readonly claimEpoch?: number;
}

/** How long a command's record is kept after creation. */
export const COMMAND_RETENTION_DAYS = 30;

const INTERNAL = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'expiresAt']);

export function commandPartition(tenantId: string, sessionId: string): string {
  return `${tenantId}#${sessionId}`;
}

export class CommandRepository {
  constructor(
    private readonly table: DynamoTable,
    private readonly clock: Clock,
  ) {}

  /**
   * Records a new queued command. Returns `created: false` with the stored record when a command with the
   * same id already exists (derived ids make re-submission idempotent).
   */
  async create<P>(input: NewCommand<P>): Promise<{ record: CommandRecord<P>; created: boolean }> {
    const nowMs = this.clock.now();
    const now = new Date(nowMs).toISOString();
    const partition = commandPartition(input.tenantId, input.sessionId);
    const record: CommandRecord<P> = {
      ...input,
      status: 'queued',
      trail: [{ status: 'queued', at: now }],
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.table.create({
        ...record,
        pk: partition,
        sk: input.commandId,
        gsi1pk: partition,
        gsi1sk: input.commandId,
        expiresAt: Math.floor(nowMs / 1000) + COMMAND_RETENTION_DAYS * 86_400,
      });
      return { record, created: true };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const existing = await this.get<P>(input.tenantId, input.sessionId, input.commandId);
      if (!existing) throw error;
      return { record: existing, created: false };
    }
  }

  async get<P = Record<string, unknown>>(tenantId: string, sessionId: string, commandId: string): Promise<CommandRecord<P> | undefined> {
    const item = await this.table.get({ pk: commandPartition(tenantId, sessionId), sk: commandId });
    return item ? toRecord<P>(item) : undefined;
  }

  /**
   * Moves a command forward to `next`. Returns the updated record, or undefined when the move is not
   * forward from the stored status (already done by someone else, a late or duplicate receipt).
   */
  async transition<P = Record<string, unknown>>(
    tenantId: string,
    sessionId: string,
    commandId: string,
    next: CommandStatus,
    details: TransitionDetails = {},
  ): Promise<CommandRecord<P> | undefined> {
    const at = details.at ?? new Date(this.clock.now()).toISOString();
    const forward = statusesBefore(next);
    const allowed = details.from ? forward.filter((status) => details.from!.includes(status)) : forward;
    if (allowed.length === 0) return undefined;
    const values: Record<string, unknown> = {};
    allowed.forEach((status, i) => (values[`:from${i}`] = status));
    try {
      const item = await this.table.update(
        { pk: commandPartition(tenantId, sessionId), sk: commandId },
        {
          set: { status: next, updatedAt: at, result: details.result, failure: details.failure, claimEpoch: details.claimEpoch },
          append: { trail: [{ status: next, at, ...(details.reason ? { reason: details.reason } : {}) }] },
          remove: details.keepPending ? [] : ['gsi1pk', 'gsi1sk'],
          condition: {
            expression: `attribute_exists(pk) AND #status IN (${allowed.map((_, i) => `:from${i}`).join(', ')})`,
            names: { '#status': 'status' },
            values,
          },
        },
      );
      return toRecord<P>(item);
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  /**
   * Re-claims a command left in `sending` (its sender died or lost the socket mid-send) for another
   * attempt with the same WhatsApp id: conditional on the status still being `sending` and `updatedAt`
   * unchanged since the caller read it, so two re-drives cannot both retry it. Appends a `sending` trail
   * entry (the number of them is the attempt count). Returns undefined when someone else moved it first.
   */
  async retrySending<P = Record<string, unknown>>(
    tenantId: string,
    sessionId: string,
    commandId: string,
    observedUpdatedAt: string,
    reason = 'retry',
    claimEpoch?: number,
  ): Promise<CommandRecord<P> | undefined> {
    const at = new Date(this.clock.now()).toISOString();
    try {
      const item = await this.table.update(
        { pk: commandPartition(tenantId, sessionId), sk: commandId },
        {
          set: { updatedAt: at, claimEpoch },
          append: { trail: [{ status: 'sending', at, reason }] },
          condition: {
            expression: 'attribute_exists(pk) AND #status = :sending AND updatedAt = :observed',
            names: { '#status': 'status' },
            values: { ':sending': 'sending', ':observed': observedUpdatedAt },
          },
        },
      );
      return toRecord<P>(item);
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  /** Commands of one session still to be done, oldest first: queued, and `sending` ones claimed with keepPending. */
  async listQueued(tenantId: string, sessionId: string, page: { limit: number; cursor?: string }): Promise<Page<CommandRecord>> {
    const out = await this.table.query({
      index: 'gsi1',
      partition: commandPartition(tenantId, sessionId),
      limit: page.limit,
      cursor: page.cursor,
    });
    return { items: out.items.map((item) => toRecord(item)), cursor: out.cursor };
  }
}

function toRecord<P>(item: Record<string, unknown>): CommandRecord<P> {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !INTERNAL.has(key))) as unknown as CommandRecord<P>;
}
