/**
 * `campaign.progress` events for webhooks: published on every status change (started, paused with its
 * reason, resumed, completed, cancelled) and each time another tenth of the recipients is settled, never
 * per message.
 */
import type { Clock } from '../clock.ts';
import type { EventEnvelope } from '../domain/event.ts';
import { newEvent } from '../events/event-publisher.ts';
import { settledCount, type CampaignCounts, type CampaignRecord } from './campaign.ts';

/** How many tenths (0-10) of the recipients are settled. */
export function progressDecile(counts: CampaignCounts, total: number): number {
  if (total <= 0) return 10;
  return Math.min(10, Math.floor((settledCount(counts) * 10) / total));
}

export function progressEvent(campaign: CampaignRecord, clock: Clock): EventEnvelope<'campaign.progress'> {
  const reason = campaign.status === 'paused' ? campaign.pauseReason : campaign.holdReason;
  return newEvent(
    'campaign.progress',
    { tenantId: campaign.tenantId, sessionId: campaign.sessionId, correlationId: campaign.campaignId },
    { campaignId: campaign.campaignId, status: campaign.status, counts: { ...campaign.counts, total: campaign.total }, ...(reason ? { reason } : {}) },
    clock,
  );
}
