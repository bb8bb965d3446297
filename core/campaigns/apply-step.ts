/**
 * Applies a claimed tick step (campaign.ts `CampaignStep`): records the recipient moves it decided, and
 * turns its slice into `send_message` commands delivered to the session owner's slot. Everything here is
 * idempotent, so a step can be applied again by a later tick if the first one died half-way:
 * - command ids derive from the campaign's start, its id and the recipient index (`derivedId`), and
 *   `CommandRepository.create` is idempotent on the id: a recipient never gets two commands;
 * - recipient moves are conditional on the recipient being in the old (or already the new) status;
 * - a command is dispatched while still queued; SQS deduplicates by command id, and the runner's
 *   conditional queued -> sending claim makes a second delivery harmless.
 */
import type { CommandEnvelope } from '../domain/command.ts';
import type { SendMessagePayload } from '../domain/message.ts';
import type { SessionRecord } from '../domain/session.ts';
import { derivedId, waMessageIdFor } from '../ids.ts';
import type { CampaignRecord, CampaignStep, RecipientRecord } from './campaign.ts';
import type { CampaignCommands } from './campaign-commands.ts';
import type { RecipientStore } from './recipient-store.ts';
import { renderMessage } from './template.ts';

export interface ApplyDeps {
  readonly recipients: RecipientStore;
  readonly commands: CampaignCommands;
}

const CONCURRENCY = 8;

/** The command id of a campaign recipient's message: the same on every tick, by construction. */
export function recipientCommandId(campaign: Pick<CampaignRecord, 'campaignId' | 'startAt'>, index: number): string {
  return derivedId(Date.parse(campaign.startAt), campaign.campaignId, String(index));
}

export interface ApplyResult {
  readonly created: number;
  readonly dispatched: number;
  readonly suppressed: number;
}

export async function applyStep(
  campaign: CampaignRecord,
  step: CampaignStep,
  session: SessionRecord | undefined,
  deps: ApplyDeps,
): Promise<ApplyResult> {
  const at = step.claimedAt;
  await inParallel(step.outcomes, (outcome) =>
    deps.recipients.transition(campaign, outcome.index, outcome.from, { status: outcome.to, reason: outcome.reason }, at),
  );
  if (!step.slice) return { created: 0, dispatched: 0, suppressed: 0 };

  const slice = step.slice;
  const suppressed = new Set(slice.suppressed);
  const recipients = await deps.recipients.range(campaign, slice.from, slice.to);
  const envelopes: { index: number; envelope: CommandEnvelope }[] = [];
  let created = 0;
  await inParallel(recipients, async (recipient) => {
    if (suppressed.has(recipient.index)) {
      await deps.recipients.transition(campaign, recipient.index, 'pending', { status: 'suppressed', reason: 'suppressed' }, at);
      return;
    }
    const commandId = recipientCommandId(campaign, recipient.index);
    const state = await deps.commands.create({
      tenantId: campaign.tenantId,
      sessionId: campaign.sessionId,
      commandId,
      type: 'send_message',
      payload: payloadFor(campaign, recipient),
      notAfter: slice.notAfter,
      waMessageId: waMessageIdFor(commandId),
      correlationId: campaign.campaignId,
      campaignId: campaign.campaignId,
    });
    created += 1;
    await deps.recipients.transition(campaign, recipient.index, 'pending', { status: 'queued', commandId }, at);
    if (state.status === 'queued') {
      envelopes.push({ index: recipient.index, envelope: { v: 1, tenantId: campaign.tenantId, sessionId: campaign.sessionId, commandId } });
    }
  });

  // Only an open session with an owner has a slot to deliver to; otherwise the commands wait, queued, for
  // the runner that claims the session to re-drive them from DynamoDB (D2).
  let dispatched = 0;
  if (session?.status === 'open' && session.slot !== undefined && envelopes.length > 0) {
    // In recipient order: the slot queue is FIFO per session.
    envelopes.sort((a, b) => a.index - b.index);
    const refused = await deps.commands.dispatch(
      session.slot,
      envelopes.map((entry) => entry.envelope),
    );
    dispatched = envelopes.length - refused;
  }
  return { created, dispatched, suppressed: suppressed.size };
}

function payloadFor(campaign: CampaignRecord, recipient: RecipientRecord): SendMessagePayload {
  return { ...renderMessage(campaign.message, recipient.variables ?? {}), to: `${recipient.phoneNumber}@s.whatsapp.net` };
}

async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
}
