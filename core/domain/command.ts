/**
 * Commands: what a tenant (or a campaign) asked a session to do. Recorded in DynamoDB first (the source of
 * truth, D2), then delivered to the owner's slot queue. Status moves forward only:
 * queued -> sending -> sent -> delivered -> read, or -> failed from queued, sending or sent (WhatsApp can
 * reject a message after its server ack, e.g. a number that is not on WhatsApp; once delivered it cannot).
 */

export const commandTypes = ['send_message', 'logout', 'check_contacts', 'request_pairing_code'] as const;
export type CommandType = (typeof commandTypes)[number];

export const commandStatuses = ['queued', 'sending', 'sent', 'delivered', 'read', 'failed'] as const;
export type CommandStatus = (typeof commandStatuses)[number];

const RANK: Record<CommandStatus, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4, failed: 5 };

/** True when `next` is a forward move from `current` (receipts may arrive late or twice). */
export function isForward(current: CommandStatus, next: CommandStatus): boolean {
  if (current === 'failed' || current === next) return false;
  if (next === 'failed') return current === 'queued' || current === 'sending' || current === 'sent';
  return RANK[next] > RANK[current];
}

/** The statuses from which `next` is a forward move (for conditional writes). */
export function statusesBefore(next: CommandStatus): CommandStatus[] {
  return commandStatuses.filter((status) => isForward(status, next));
}

export interface TrailEntry {
  readonly status: CommandStatus;
  readonly at: string;
  readonly reason?: string;
}

export interface CommandFailure {
  readonly code: string;
  readonly message: string;
}

export interface CommandRecord<P = Record<string, unknown>> {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly commandId: string;
  readonly type: CommandType;
  readonly status: CommandStatus;
  readonly payload: P;
  /** For send_message: the WhatsApp message id, derived from the command id. */
  readonly waMessageId?: string;
  /** The ownership epoch of the runner that last claimed it for sending. */
  readonly claimEpoch?: number;
  readonly trail: TrailEntry[];
  /** After this instant a still-queued command fails with `expired` instead of going out late. */
  readonly notAfter: string;
  readonly result?: Record<string, unknown>;
  readonly failure?: CommandFailure;
  readonly correlationId?: string;
  readonly campaignId?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The body of a command's SQS message: a pointer; the item in DynamoDB is the truth. */
export interface CommandEnvelope {
  readonly v: 1;
  readonly tenantId: string;
  readonly sessionId: string;
  readonly commandId: string;
  /** Set when a runner forwarded the message to the owner's slot, to bound forwarding loops. */
  readonly hops?: number;
}
