/**
 * Use-cases: a tenant pauses, resumes or cancels a campaign, and reads campaigns and their recipients.
 *
 * - pause: scheduled/running -> paused (reason `tenant`). At most the slice already handed to the runner
 *   still goes out; nothing new is enqueued.
 * - resume: paused -> running (or scheduled, before its start), whatever paused it; the failure window is
 *   reset and no allowance accrued during the pause is spent (no burst).
 * - cancel: scheduled/running/paused -> cancelled. Recipients never enqueued count as skipped at once;
 *   commands still queued are failed by the next ticks (`campaign_cancelled`, counted as skipped).
 *
 * Changes are conditional on the campaign's version; a concurrent tick makes one retry necessary.
 */
import type { Clock } from '../clock.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { Page } from '../aws/dynamo-table.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { Logger } from '../logger.ts';
import { allowedFrom, type CampaignRecord, type CampaignStatus, type ControlAction, type RecipientRecord, type RecipientStatus } from './campaign.ts';
import type { CampaignKey, CampaignPatch, CampaignStore } from './campaign-store.ts';
import { progressEvent } from './progress-events.ts';
import type { RecipientStore } from './recipient-store.ts';

export interface ControlDeps {
  readonly campaigns: CampaignStore;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly logger?: Logger;
}

const ATTEMPTS = 5;

export async function requireCampaign(campaigns: CampaignStore, key: CampaignKey): Promise<CampaignRecord> {
  const campaign = await campaigns.get(key);
  if (!campaign) throw new NotFoundError('Campaign', 'campaign_not_found');
  return campaign;
}

/** Applies a tenant's pause, resume or cancel; returns the campaign as stored afterwards. */
export async function controlCampaign(key: CampaignKey, action: ControlAction, deps: ControlDeps): Promise<CampaignRecord> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const campaign = await requireCampaign(deps.campaigns, key);
    if (!allowedFrom(action).includes(campaign.status)) {
      throw new ConflictError(`campaign_${campaign.status}`, `A ${campaign.status} campaign cannot be ${pastTense(action)}`, {
        status: campaign.status,
      });
    }
    const patch = patchFor(action, campaign, deps.clock.now());
    const updated = await deps.campaigns.update(key, campaign.version, patch, { statusIn: allowedFrom(action) });
    if (updated) {
      await deps.events.publish([progressEvent(updated, deps.clock)]).catch((error: unknown) => {
        deps.logger?.error('campaign.progress_event_failed', { campaignId: key.campaignId, error: error as Error });
      });
      return updated;
    }
  }
  throw new ConflictError('campaign_busy', 'The campaign changed concurrently; try again');
}

function patchFor(action: ControlAction, campaign: CampaignRecord, now: number): CampaignPatch {
  const nowIso = new Date(now).toISOString();
  switch (action) {
    case 'pause':
      return { set: { status: 'paused', pauseReason: 'tenant', updatedAt: nowIso }, remove: ['holdReason'], nextRunAt: nowIso };
    case 'resume': {
      const status: CampaignStatus = Date.parse(campaign.startAt) > now ? 'scheduled' : 'running';
      return {
        set: { status, recentOutcomes: '', credit: 0, updatedAt: nowIso },
        // Without a last slice, the next one is one tick's worth: time spent paused is not made up.
        remove: ['pauseReason', 'lastSliceAt'],
        nextRunAt: status === 'scheduled' ? campaign.startAt : nowIso,
      };
    }
    case 'cancel':
      return {
        set: { status: 'cancelled', cancelledAt: nowIso, updatedAt: nowIso },
        remove: ['holdReason'],
        counts: { pending: -campaign.counts.pending, skipped: campaign.counts.pending },
        nextRunAt: nowIso,
      };
  }
}

function pastTense(action: ControlAction): string {
  return action === 'pause' ? 'paused' : action === 'resume' ? 'resumed' : 'cancelled';
}

export interface QueryDeps {
  readonly campaigns: CampaignStore;
  readonly recipients: RecipientStore;
}

export async function listCampaigns(
  tenantId: string,
  page: { limit: number; cursor?: string; status?: CampaignStatus },
  deps: QueryDeps,
): Promise<Page<CampaignRecord>> {
  return deps.campaigns.list(tenantId, page);
}

/** Per-recipient outcomes of one of the tenant's campaigns (404 for anyone else's). */
export async function listRecipients(
  key: CampaignKey,
  page: { limit: number; cursor?: string; status?: RecipientStatus },
  deps: QueryDeps,
): Promise<Page<RecipientRecord>> {
  const campaign = await requireCampaign(deps.campaigns, key);
  return deps.recipients.list(key, campaign.status, page);
}
