/**
 * Delivery and read receipts -> the command's status trail and `message.status` events (D6, D7). The
 * WhatsApp id of everything we send is derived from the command id, so a receipt leads straight to the
 * command item (no index lookup). The forward-only conditional transition makes late, duplicate and
 * out-of-order receipts harmless: a `delivered` after `read` simply does not apply, and is not announced.
 *
 * Receipts of one session are recorded one at a time; the backlog is bounded (a burst beyond it is
 * dropped and logged: the statuses are informative, the sends themselves are already recorded).
 *
 * A recipient with several devices acknowledges one message once per device. The recorder remembers the
 * status it last wrote for its most recent commands, and a receipt that is not forward from it is dropped
 * without a request: statuses only move forward, so what is not forward from a status the command reached
 * is not forward from where it is now either.
 */
import type { Clock } from '../../core/clock.ts';
import { isForward, type CommandStatus } from '../../core/domain/command.ts';
import type { EventPublisher } from '../../core/events/event-publisher.ts';
import { commandIdFromWaMessageId } from '../../core/ids.ts';
import type { Logger } from '../../core/logger.ts';
import type { OutboundReceipt } from '../whatsapp/whatsapp-connection.ts';
import type { CommandStore } from './command-executor.ts';
import { messageStatusEvent } from './message-status-event.ts';

/** WhatsApp's error status after a server ack: the message will not reach the recipient. */
const REJECTED = { code: 'rejected_by_whatsapp', message: 'WhatsApp did not deliver the message (e.g. the number is not on WhatsApp)' };

export interface ReceiptRecorderDeps {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly commands: CommandStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxBacklog?: number;
}

/** Commands per session whose last written status is remembered (most recent first out of the window). */
const REMEMBERED = 64;

export class ReceiptRecorder {
  private chain: Promise<void> = Promise.resolve();
  private readonly reached = new Map<string, CommandStatus>();
  private backlog = 0;
  private dropped = 0;

  constructor(private readonly deps: ReceiptRecorderDeps) {}

  record(receipt: OutboundReceipt): void {
    const commandId = commandIdFromWaMessageId(receipt.waMessageId);
    if (!commandId) return; // sent from the phone or another client, not through wa-fleet
    if (this.backlog >= (this.deps.maxBacklog ?? 1_000)) {
      if (this.dropped++ % 100 === 0) this.deps.logger.warn('receipts.dropped', { dropped: this.dropped });
      return;
    }
    this.backlog++;
    this.chain = this.chain
      .then(() => this.apply(commandId, receipt))
      .catch((error: unknown) => this.deps.logger.warn('receipts.record_failed', { commandId, error }))
      .finally(() => this.backlog--);
  }

  /** Resolves when every receipt handed in so far is recorded. */
  async drain(): Promise<void> {
    await this.chain;
  }

  private async apply(commandId: string, receipt: OutboundReceipt): Promise<void> {
    const { tenantId, sessionId, commands, clock } = this.deps;
    const known = this.reached.get(commandId);
    if (known && !isForward(known, receipt.status)) return;
    const rejected = receipt.status === 'failed';
    const updated = await commands.transition(tenantId, sessionId, commandId, receipt.status, {
      at: receipt.at,
      ...(rejected ? { reason: REJECTED.code, failure: REJECTED } : {}),
    });
    if (!updated) return;
    this.remember(commandId, updated.status);
    const change = { waMessageId: receipt.waMessageId, status: receipt.status, ...(rejected ? { reason: REJECTED.code } : {}) };
    await this.deps.events.publish([messageStatusEvent(updated, change, clock, receipt.recipient)]);
  }

  private remember(commandId: string, status: CommandStatus): void {
    this.reached.delete(commandId);
    this.reached.set(commandId, status);
    if (this.reached.size > REMEMBERED) this.reached.delete(this.reached.keys().next().value!);
  }
}
