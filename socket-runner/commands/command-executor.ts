/**
 * Runs one command of one hosted session (D2, D6). The command item in DynamoDB is the truth; the SQS
 * message and the re-drive are just two ways of hearing about it, and both end up here.
 *
 * The claim is what makes duplicates harmless: `queued -> sending` is a conditional write, so a duplicate
 * SQS message, a re-drive racing the queue, or a second runner finds the command already claimed and does
 * nothing. A send goes out with `waMessageIdFor(commandId)`; if the socket drops mid-send the command stays
 * `sending` (kept in the queued index) and is retried with the SAME id: on the session's next open when
 * this runner saw the failure, at once by a later owner (the claim carries the claimer's ownership epoch,
 * and an older one means that owner's socket was closed before this lease could be taken), or by any
 * re-drive once the claim is older than `staleSendingMs`. At-least-once attempts, at-most-once message: WhatsApp dedups a
 * message id, and the recipient's client shows one message. Attempts are capped (`maxSendAttempts`).
 *
 * Expired commands (`notAfter` passed) fail as `expired` instead of going out late.
 */
import * as z from 'zod';
import type { Clock } from '../../core/clock.ts';
import type { CommandRecord, CommandStatus } from '../../core/domain/command.ts';
import type { MessageStatusData } from '../../core/domain/event.ts';
import { messageContentSchema, type SendMessagePayload } from '../../core/domain/message.ts';
import type { EventPublisher } from '../../core/events/event-publisher.ts';
import type { CommandRepository } from '../../core/commands/command-repository.ts';
import { waMessageIdFor } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import { toJid } from '../../core/phone-number.ts';
import type { Readiness } from '../session/actor-config.ts';
import { resolveMessageRef } from '../whatsapp/message-ref.ts';
import { WhatsAppError, type QuotedMessage } from '../whatsapp/whatsapp-connection.ts';
import type { CommandTarget } from './command-target.ts';
import { messageStatusEvent } from './message-status-event.ts';
import { PacingAbortedError, type Pacer } from './pacer.ts';

export type CommandStore = Pick<CommandRepository, 'get' | 'transition' | 'retrySending' | 'listQueued'>;

/**
 * sent / failed / expired: done. duplicate: someone else did or is doing it. deferred: the session cannot
 * run it now; it stays queued in DynamoDB for the re-drive. interrupted: claimed but the outcome is
 * unknown; retried with the same id. in_progress: claimed recently by another sender. missing: no item.
 */
export type CommandOutcome = 'sent' | 'failed' | 'expired' | 'duplicate' | 'deferred' | 'interrupted' | 'in_progress' | 'missing';

export interface CommandMetrics {
  commandOutcome(outcome: string, type: string): void;
  queueLag(ms: number): void;
  sendLatency(ms: number): void;
}

export interface ExecutorConfig {
  /** A `sending` claim older than this is presumed abandoned by a dead sender. */
  readonly staleSendingMs: number;
  /** Sends (claims) of one command before it fails for good. */
  readonly maxSendAttempts: number;
}

export const DEFAULT_EXECUTOR_CONFIG: ExecutorConfig = { staleSendingMs: 120_000, maxSendAttempts: 3 };

export interface ExecutorDeps {
  readonly commands: CommandStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: CommandMetrics;
  readonly config: ExecutorConfig;
}

export interface ExecutionContext {
  readonly pacer: Pacer;
  readonly signal: AbortSignal;
  /** Commands this lane claimed whose send ended ambiguously: retried at once on the next chance. */
  readonly interrupted: Set<string>;
  /** This runner's ownership epoch of the session (its lease's fencing token). */
  readonly ownerEpoch: number;
}

const DONE: ReadonlySet<CommandStatus> = new Set(['sent', 'delivered', 'read', 'failed']);

const contactsPayload = z.object({ phoneNumbers: z.array(z.string().min(1).max(32)).min(1).max(500) });
const pairingPayload = z.object({ phoneNumber: z.string().min(6).max(32) });

export class CommandExecutor {
  constructor(private readonly deps: ExecutorDeps) {}

  /** Loads and runs a command heard about through the queue. */
  async execute(target: CommandTarget, commandId: string, context: ExecutionContext): Promise<CommandOutcome> {
    const record = await this.deps.commands.get(target.tenantId, target.sessionId, commandId);
    if (!record) return this.outcome('missing', 'unknown');
    return this.run(target, record, context);
  }

  /** Runs a command whose record is at hand (re-drive). Rejects only on store failures. */
  async run(target: CommandTarget, record: CommandRecord, context: ExecutionContext): Promise<CommandOutcome> {
    try {
      return this.outcome(await this.attempt(target, record, context), record.type);
    } catch (error) {
      if (error instanceof PacingAbortedError) return this.outcome('deferred', record.type);
      throw error;
    }
  }

  private async attempt(target: CommandTarget, record: CommandRecord, context: ExecutionContext): Promise<CommandOutcome> {
    if (DONE.has(record.status)) return 'duplicate';
    if (Date.parse(record.notAfter) <= this.deps.clock.now()) {
      const [code, message] =
        record.status === 'queued'
          ? ['expired', 'The command expired before it could be carried out']
          : ['send_unconfirmed', 'The send was interrupted and could not be confirmed before the command expired'];
      return this.fail(record, code, message, 'expired');
    }
    if (!canRun(record, target.readiness())) return 'deferred';
    let claimed: CommandRecord | undefined;
    if (record.status === 'sending') {
      const stale =
        context.interrupted.has(record.commandId) ||
        (record.claimEpoch !== undefined && record.claimEpoch < context.ownerEpoch) ||
        this.deps.clock.now() - Date.parse(record.updatedAt) >= this.deps.config.staleSendingMs;
      if (!stale) return 'in_progress';
      if (record.trail.filter((entry) => entry.status === 'sending').length >= this.deps.config.maxSendAttempts) {
        return this.fail(record, 'send_attempts_exhausted', 'WhatsApp did not confirm the send after several attempts');
      }
      if (record.type === 'send_message') await context.pacer.take(context.signal);
      if (!canRun(record, target.readiness())) return 'deferred';
      claimed = await this.deps.commands.retrySending(record.tenantId, record.sessionId, record.commandId, record.updatedAt, 'retry', context.ownerEpoch);
      context.interrupted.delete(record.commandId);
    } else {
      if (record.type === 'send_message') await context.pacer.take(context.signal);
      if (!canRun(record, target.readiness())) return 'deferred';
      claimed = await this.deps.commands.transition(record.tenantId, record.sessionId, record.commandId, 'sending', {
        keepPending: true,
        claimEpoch: context.ownerEpoch,
      });
    }
    if (!claimed) return 'duplicate';
    return this.perform(target, claimed, context);
  }

  private async perform(target: CommandTarget, record: CommandRecord, context: ExecutionContext): Promise<CommandOutcome> {
    try {
      switch (record.type) {
        case 'send_message':
          return await this.send(target, record as CommandRecord<SendMessagePayload>, context);
        case 'check_contacts': {
          const payload = contactsPayload.safeParse(record.payload);
          if (!payload.success) return await this.fail(record, 'invalid_payload', 'phoneNumbers is not a list of numbers');
          const connection = target.connectionForCommands();
          if (!connection) return this.interrupted(record, context);
          const digits = payload.data.phoneNumbers.map((number) => number.replace(/[^0-9]/g, ''));
          const contacts = await connection.checkContacts(digits);
          return this.done(record, { contacts });
        }
        case 'request_pairing_code': {
          const payload = pairingPayload.safeParse(record.payload);
          if (!payload.success) return await this.fail(record, 'invalid_payload', 'phoneNumber is missing');
          const code = await target.requestPairingCode(payload.data.phoneNumber.replace(/[^0-9]/g, ''));
          return this.done(record, { code });
        }
        case 'logout':
          await target.logout();
          return this.done(record, { loggedOut: true });
      }
    } catch (error) {
      if (error instanceof WhatsAppError && !error.ambiguous) {
        return this.fail(record, error.code, error.message);
      }
      this.deps.logger.warn('command.interrupted', { commandId: record.commandId, type: record.type, error });
      return this.interrupted(record, context);
    }
  }

  private async send(target: CommandTarget, record: CommandRecord<SendMessagePayload>, context: ExecutionContext): Promise<CommandOutcome> {
    const { to, ...rest } = record.payload;
    const jid = typeof to === 'string' ? toJid(to) : undefined;
    const content = messageContentSchema.safeParse(rest);
    if (!jid || !content.success) {
      return this.fail(record, 'invalid_payload', jid ? 'The message content is not valid' : 'The recipient is not valid');
    }
    const connection = target.connectionForCommands();
    if (!connection) return this.interrupted(record, context);
    const replyTo = 'replyTo' in content.data ? content.data.replyTo : undefined;
    const quoted = replyTo ? await this.quoted(record, replyTo) : undefined;
    const waMessageId = waMessageIdFor(record.commandId);
    const started = this.deps.clock.now();
    await connection.sendMessage(jid, content.data, { messageId: waMessageId, quoted });
    this.deps.metrics?.sendLatency(this.deps.clock.now() - started);
    const sent = await this.deps.commands.transition(record.tenantId, record.sessionId, record.commandId, 'sent', { result: { waMessageId } });
    if (sent) this.publishStatus(record, { status: 'sent', waMessageId });
    return 'sent';
  }

  /** The quoted message of a reply: our own message's text when we sent it, else just its id. */
  private async quoted(record: CommandRecord, replyTo: string): Promise<QuotedMessage> {
    const ref = resolveMessageRef(replyTo);
    if (!ref.commandId) return { waMessageId: ref.waMessageId, fromMe: false };
    const original = await this.deps.commands.get<Partial<SendMessagePayload>>(record.tenantId, record.sessionId, ref.commandId);
    const payload = original?.payload as { text?: unknown; caption?: unknown } | undefined;
    const text = typeof payload?.text === 'string' ? payload.text : typeof payload?.caption === 'string' ? payload.caption : undefined;
    return { waMessageId: ref.waMessageId, fromMe: true, text };
  }

  private async done(record: CommandRecord, result: Record<string, unknown>): Promise<CommandOutcome> {
    await this.deps.commands.transition(record.tenantId, record.sessionId, record.commandId, 'sent', { result });
    return 'sent';
  }

  private interrupted(record: CommandRecord, context: ExecutionContext): CommandOutcome {
    if (context.interrupted.size < 1_000) context.interrupted.add(record.commandId);
    return 'interrupted';
  }

  /** Fails the command (conditional): `outcome` when it did, `duplicate` when it had already moved on. */
  private async fail(record: CommandRecord, code: string, message: string, outcome: 'failed' | 'expired' = 'failed'): Promise<CommandOutcome> {
    // Conditional on the status this decision was made from: a receipt may have moved it to `sent` since.
    const failed = await this.deps.commands.transition(record.tenantId, record.sessionId, record.commandId, 'failed', {
      reason: code,
      failure: { code, message },
      from: [record.status],
    });
    if (!failed) return 'duplicate';
    this.publishStatus(record, { status: 'failed', reason: code });
    return outcome;
  }

  private publishStatus(record: CommandRecord, data: Pick<MessageStatusData, 'status' | 'reason' | 'waMessageId'>): void {
    if (record.type !== 'send_message') return;
    const event = messageStatusEvent(record, data, this.deps.clock);
    this.deps.events.publish([event]).catch((error: unknown) => this.deps.logger.error('command.event_publish_failed', { error }));
  }

  private outcome(outcome: CommandOutcome, type: string): CommandOutcome {
    this.deps.metrics?.commandOutcome(outcome, type);
    return outcome;
  }
}

/** Which session state a command needs: a pairing code needs the QR stage, logout anything live. */
function canRun(record: CommandRecord, readiness: Readiness): boolean {
  if (record.type === 'logout') return readiness !== 'gone';
  if (record.type === 'request_pairing_code') return readiness === 'pairing';
  return readiness === 'open';
}
