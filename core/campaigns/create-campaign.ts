/**
 * Use-case: create a campaign. Validates the template, the schedule and the session, takes in the
 * recipients (inline, or streamed from an uploaded CSV), writes one item per recipient and then the
 * campaign item, which enters the scheduler's due index at its start time. The campaign item is written
 * last, so a creation that fails half-way leaves no campaign behind (its recipient items expire by TTL).
 */
import type { Clock } from '../clock.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { SessionRepository } from '../sessions/session-repository.ts';
import { emptyCounts, type CampaignRecord } from './campaign.ts';
import { MAX_SCHEDULE_AHEAD_DAYS, type CreateCampaignRequest } from './campaign-schemas.ts';
import { CAMPAIGN_RETENTION_DAYS, type CampaignStore } from './campaign-store.ts';
import { readCsvRecipients } from './csv-reader.ts';
import { DEFAULT_PACE } from './pacing.ts';
import type { RecipientImports } from './recipient-imports.ts';
import { takeRecipients, type RawRecipient } from './recipient-intake.ts';
import type { RecipientStore } from './recipient-store.ts';
import { templateVariables } from './template.ts';

export interface CreateCampaignDeps {
  readonly campaigns: CampaignStore;
  readonly recipients: RecipientStore;
  readonly sessions: Pick<SessionRepository, 'require'>;
  readonly imports: RecipientImports;
  readonly clock: Clock;
  /** Most recipients per campaign (CSV imports included). */
  readonly maxRecipients: number;
}

const DAY = 86_400_000;

/**
 * Creates a campaign for `tenantId`. Throws NotFoundError for an unknown session or import, and
 * ValidationError for a bad template, schedule or recipient list (see recipient-intake.ts for what is
 * dropped and reported instead).
 */
export async function createCampaign(tenantId: string, request: CreateCampaignRequest, deps: CreateCampaignDeps): Promise<CampaignRecord> {
  const now = deps.clock.now();
  await deps.sessions.require(tenantId, request.sessionId);
  templateVariables(request.message);
  const startAt = request.startAt ? Math.max(now, Date.parse(request.startAt)) : now;
  if (startAt > now + MAX_SCHEDULE_AHEAD_DAYS * DAY) {
    throw new ValidationError(`startAt must be within ${MAX_SCHEDULE_AHEAD_DAYS} days`, [{ path: ['startAt'], message: 'too far ahead' }]);
  }

  const intake = await takeRecipients(await recipientSource(tenantId, request, deps), request.message, deps.maxRecipients);
  const campaignId = newId(now);
  const nowIso = new Date(now).toISOString();
  const startIso = new Date(startAt).toISOString();
  const expiresAt = Math.floor((startAt + CAMPAIGN_RETENTION_DAYS * DAY) / 1000);
  const key = { tenantId, campaignId };
  await deps.recipients.putAll(key, intake.recipients, expiresAt);

  const record: CampaignRecord = {
    tenantId,
    campaignId,
    sessionId: request.sessionId,
    name: request.name,
    message: request.message,
    status: 'scheduled',
    startAt: startIso,
    timezone: request.timezone,
    quietHours: request.quietHours,
    pace: request.pace ?? DEFAULT_PACE,
    warmUp: request.warmUp,
    total: intake.recipients.length,
    cursor: 0,
    version: 0,
    counts: { ...emptyCounts(), pending: intake.recipients.length },
    intake: intake.report,
    nextRunAt: startIso,
    credit: 0,
    recentOutcomes: '',
    progressDecile: 0,
    createdAt: nowIso,
    updatedAt: nowIso,
  };
  await deps.campaigns.create(record, expiresAt);
  return record;
}

async function recipientSource(
  tenantId: string,
  request: CreateCampaignRequest,
  deps: CreateCampaignDeps,
): Promise<Iterable<RawRecipient> | AsyncIterable<RawRecipient>> {
  if (request.recipients) {
    return request.recipients.map((recipient, position) => ({ position, to: recipient.to, variables: recipient.variables }));
  }
  const stream = await deps.imports.open(tenantId, request.recipientsImportId!);
  if (!stream) throw new NotFoundError('Import', 'import_not_found');
  return (async function* () {
    for await (const row of readCsvRecipients(stream)) yield { position: row.row, to: row.to, variables: row.variables };
  })();
}
