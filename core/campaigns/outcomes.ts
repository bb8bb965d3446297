/**
 * Outcome accounting: a recipient's status follows its command's status, which the runner moves
 * (queued -> sending -> sent -> delivered -> read | failed). Each tick reads a bounded batch of in-flight
 * recipients from the sparse in-flight index: every unsent one first (few: the backlog guard keeps it to a
 * few slices), then those awaiting receipts in rotation with a cursor, so long campaigns are covered. It
 * re-reads them consistently, reads their commands in batches and returns the moves to record.
 *
 * Two command moves are the scheduler's own, both conditional on the command still being `queued` (so they
 * race safely with a runner claiming it for sending): a queued command well past its `notAfter` is failed as
 * `expired` (nobody is going to send it; without this a campaign whose session stays down would never
 * finish), and in a cancelled campaign queued commands are failed as `campaign_cancelled` (the recipient
 * counts as skipped).
 */
import type { CommandFailure } from '../domain/command.ts';
import { isInFlight, type CampaignRecord, type CampaignCounts, type OutcomeChange, type RecipientStatus } from './campaign.ts';
import type { CampaignCommands, CommandState } from './campaign-commands.ts';
import type { RecipientStore } from './recipient-store.ts';

export const CANCELLED_CODE = 'campaign_cancelled';
export const EXPIRED_CODE = 'expired';

export interface OutcomeDeps {
  readonly recipients: RecipientStore;
  readonly commands: CampaignCommands;
}

export interface OutcomeBatch {
  readonly changes: OutcomeChange[];
  /** Where the next tick continues reading the in-flight index (undefined: from the start). */
  readonly nextCursor?: number;
}

/** The recipient status a command's state stands for. */
export function recipientStatusFor(state: CommandState): { status: RecipientStatus; reason?: string } {
  switch (state.status) {
    case 'queued':
    case 'sending':
      return { status: 'queued' };
    case 'failed':
      return state.failure?.code === CANCELLED_CODE
        ? { status: 'skipped', reason: CANCELLED_CODE }
        : { status: 'failed', reason: state.failure?.code ?? 'failed' };
    default:
      return { status: state.status };
  }
}

export async function collectOutcomes(
  campaign: CampaignRecord,
  deps: OutcomeDeps,
  options: { now: number; batch: number; expiryGraceMs: number },
): Promise<OutcomeBatch> {
  const key = campaign;
  const unsent = await deps.recipients.inFlight(key, 'unsent', undefined, options.batch);
  const rest = options.batch - unsent.length;
  const awaitingReceipts = await deps.recipients.inFlight(key, 'receipts', campaign.reconcileCursor, rest);
  const nextCursor = rest <= 0 ? campaign.reconcileCursor : awaitingReceipts.length < rest ? undefined : awaitingReceipts.at(-1);
  const indexes = [...unsent, ...awaitingReceipts];
  if (indexes.length === 0) return { changes: [], nextCursor };
  const recipients = (await deps.recipients.getMany(key, indexes)).filter((r) => isInFlight(r.status) && r.commandId);
  const states = await deps.commands.states(
    campaign.tenantId,
    campaign.sessionId,
    recipients.map((r) => r.commandId!),
  );
  const at = new Date(options.now).toISOString();
  const changes: OutcomeChange[] = [];
  for (const recipient of recipients) {
    let state = states.get(recipient.commandId!);
    if (!state) continue;
    if (state.status === 'queued') {
      const failure = queuedFailure(campaign, state, options);
      if (failure && (await deps.commands.failIfQueued(campaign.tenantId, campaign.sessionId, recipient.commandId!, failure, at))) {
        state = { ...state, status: 'failed', failure };
      }
    }
    const next = recipientStatusFor(state);
    if (next.status !== recipient.status) changes.push({ index: recipient.index, from: recipient.status, to: next.status, reason: next.reason });
  }
  return { changes, nextCursor };
}

function queuedFailure(campaign: CampaignRecord, state: CommandState, options: { now: number; expiryGraceMs: number }): CommandFailure | undefined {
  if (campaign.status === 'cancelled') return { code: CANCELLED_CODE, message: 'The campaign was cancelled before this message was sent' };
  if (options.now > Date.parse(state.notAfter) + options.expiryGraceMs) {
    return { code: EXPIRED_CODE, message: 'Not sent before its deadline (session unavailable or backlog)' };
  }
  return undefined;
}

/** Counter changes for a set of recipient moves. */
export function countDeltas(changes: readonly OutcomeChange[]): Partial<CampaignCounts> {
  const deltas: Partial<CampaignCounts> = {};
  for (const change of changes) {
    deltas[change.from] = (deltas[change.from] ?? 0) - 1;
    deltas[change.to] = (deltas[change.to] ?? 0) + 1;
  }
  return deltas;
}

export function addCounts(counts: CampaignCounts, deltas: Partial<CampaignCounts>): CampaignCounts {
  const out = { ...counts };
  for (const [status, delta] of Object.entries(deltas)) out[status as RecipientStatus] += delta ?? 0;
  return out;
}

/**
 * The recent-outcomes window after these moves: `s` when a recipient's message first got out, `f` when it
 * failed. Expiries and cancellations are not the number's fault and do not count.
 */
export function updateRecentOutcomes(window: string, changes: readonly OutcomeChange[], size: number): string {
  let out = window;
  for (const change of changes) {
    if (change.from !== 'queued') continue;
    if (change.to === 'failed' && change.reason !== EXPIRED_CODE) out += 'f';
    else if (change.to === 'sent' || change.to === 'delivered' || change.to === 'read') out += 's';
  }
  return out.slice(-size);
}
