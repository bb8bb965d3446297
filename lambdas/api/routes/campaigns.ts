/**
 * Campaigns (D8): scheduled, paced bulk sends. Create (recipients inline, or a CSV uploaded to a presigned
 * URL from `POST /v1/campaigns/imports`), list, read with progress counts, page through per-recipient
 * outcomes, pause, resume and cancel. The scheduler function does the sending; these routes record what the
 * tenant wants. Use-cases live in core/campaigns; dependencies come from `deps.campaigns`
 * (core/campaigns/campaign-api-deps.ts). Creation (CSV reading, recipient intake, phone-number metadata) is
 * imported on first use, so other requests of a cold container do not load it.
 */
import * as z from 'zod';
import { campaignStatuses, recipientStatuses, settledCount, type CampaignRecord, type RecipientRecord } from '../../../core/campaigns/campaign.ts';
import { controlCampaign, listCampaigns, listRecipients, requireCampaign } from '../../../core/campaigns/campaign-controls.ts';
import { campaignMessageSchema, createCampaignSchema, paceSchema, quietHoursSchema, warmUpSchema } from '../../../core/campaigns/campaign-schemas.ts';
import { json } from '../http.ts';
import { defineRoute } from '../router.ts';
import { idParam, pageQuery, timestamp } from '../schemas/common.ts';

const tags = ['Campaigns'];

const campaignParams = z.object({ id: idParam });
const countsSchema = z.object(Object.fromEntries(recipientStatuses.map((status) => [status, z.number().int()])) as Record<(typeof recipientStatuses)[number], z.ZodNumber>);

const campaignView = z
  .object({
    id: z.string(),
    name: z.string(),
    sessionId: z.string(),
    status: z.enum(campaignStatuses),
    pauseReason: z.string().optional().meta({ description: 'Why it is paused: `tenant`, `session_logged_out`, `session_failed`, `session_deleted` or `failure_spike`.' }),
    holdReason: z.string().optional().meta({ description: 'Why a running campaign is not sending right now: `quiet_hours`, `session_not_open` or `backlog` (it goes on by itself).' }),
    message: campaignMessageSchema,
    startAt: timestamp,
    timezone: z.string(),
    quietHours: quietHoursSchema.optional(),
    pace: paceSchema,
    warmUp: warmUpSchema.optional(),
    total: z.number().int().meta({ description: 'Recipients in the campaign (after dropping invalid and repeated numbers).' }),
    enqueued: z.number().int().meta({ description: 'Recipients handed to the session so far (sent, suppressed or skipped included).' }),
    counts: countsSchema.meta({ description: 'Recipients by outcome; they add up to `total`.' }),
    progress: z.object({ settled: z.number().int(), percent: z.number() }),
    intake: z.object({
      received: z.number().int(),
      accepted: z.number().int(),
      invalid: z.number().int(),
      duplicates: z.number().int(),
      samples: z.array(z.object({ index: z.number().int(), reason: z.string() })),
    }),
    nextRunAt: timestamp.optional(),
    startedAt: timestamp.optional(),
    completedAt: timestamp.optional(),
    cancelledAt: timestamp.optional(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Campaign' });

const recipientView = z
  .object({
    index: z.number().int(),
    phoneNumber: z.string(),
    status: z.enum(recipientStatuses),
    messageId: z.string().optional().meta({ description: 'The command id of the message (GET /v1/sessions/{id}/messages/{messageId}).' }),
    reason: z.string().optional(),
    variables: z.record(z.string(), z.string()),
    updatedAt: timestamp.optional(),
  })
  .meta({ id: 'CampaignRecipient' });

const importView = z
  .object({
    importId: z.string(),
    uploadUrl: z.string().meta({ description: 'PUT the CSV here (no auth header; the URL is signed).' }),
    method: z.literal('PUT'),
    expiresAt: timestamp,
    maxBytes: z.number().int(),
  })
  .meta({ id: 'CampaignImport' });

const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const campaignRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/campaigns/imports',
    operationId: 'createCampaignImport',
    summary: 'Get an upload URL for a recipient CSV',
    description:
      'For lists above the inline limit: PUT a CSV (header row; a `phone` column, every other column a template variable) ' +
      'to `uploadUrl`, then create the campaign with `recipientsImportId`.',
    tags,
    access: 'tenant',
    responses: { 201: { description: 'Where to upload.', schema: importView } },
    async handle({ principal, deps }) {
      const upload = await deps.campaigns.imports.createUpload(principal.tenantId);
      return json(201, { ...upload, method: 'PUT' });
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/v1/campaigns',
    operationId: 'createCampaign',
    summary: 'Create a campaign',
    description:
      'A message template (`{{var}}`, `{{var|fallback}}`) sent to a recipient list at a pace, from `startAt`, outside quiet ' +
      'hours, never to suppressed numbers. Invalid and repeated numbers are dropped and reported in `intake`; a recipient ' +
      'missing a variable the template needs is a 400 (`missing_variables`).',
    tags,
    access: 'tenant',
    idempotent: true,
    body: createCampaignSchema.meta({ id: 'CreateCampaign' }),
    // 10,000 inline recipients with a few variables each; Lambda's synchronous payload limit is 6 MB.
    maxBodyBytes: 4 * 1024 * 1024,
    responses: { 201: { description: 'The campaign, scheduled.', schema: campaignView } },
    async handle({ body, principal, deps, logger }) {
      const { createCampaign } = await import('../../../core/campaigns/create-campaign.ts');
      const campaign = await createCampaign(principal.tenantId, body, deps.campaigns.create);
      logger.info('campaign.created', { campaignId: campaign.campaignId, total: campaign.total, invalid: campaign.intake.invalid });
      return json(201, toCampaignView(campaign));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/campaigns',
    operationId: 'listCampaigns',
    summary: 'List campaigns',
    description: 'Newest first; pass `nextCursor` back as `cursor`. A page may hold fewer items than `limit` when filtering by status.',
    tags,
    access: 'tenant',
    query: pageQuery.extend({ status: z.enum(campaignStatuses).optional() }),
    responses: { 200: { description: 'A page of campaigns.', schema: page(campaignView) } },
    async handle({ query, principal, deps }) {
      const result = await listCampaigns(principal.tenantId, query, deps.campaigns.queries);
      return json(200, { items: result.items.map(toCampaignView), nextCursor: result.cursor ?? null });
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/campaigns/{id}',
    operationId: 'getCampaign',
    summary: 'Read a campaign and its progress',
    tags,
    access: 'tenant',
    params: campaignParams,
    responses: { 200: { description: 'The campaign.', schema: campaignView } },
    async handle({ params, principal, deps }) {
      const campaign = await requireCampaign(deps.campaigns.queries.campaigns, { tenantId: principal.tenantId, campaignId: params.id });
      return json(200, toCampaignView(campaign));
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/v1/campaigns/{id}/recipients',
    operationId: 'listCampaignRecipients',
    summary: 'Per-recipient outcomes',
    description: 'In list order, optionally of one status. A page may hold fewer items than `limit` when filtering.',
    tags,
    access: 'tenant',
    params: campaignParams,
    query: pageQuery.extend({ status: z.enum(recipientStatuses).optional() }),
    responses: { 200: { description: 'A page of recipients.', schema: page(recipientView) } },
    async handle({ params, query, principal, deps }) {
      const result = await listRecipients({ tenantId: principal.tenantId, campaignId: params.id }, query, deps.campaigns.queries);
      return json(200, { items: result.items.map(toRecipientView), nextCursor: result.cursor ?? null });
    },
  }),
  ...(['pause', 'resume', 'cancel'] as const).map((action) =>
    defineRoute({
      method: 'POST',
      path: `/v1/campaigns/{id}/${action}`,
      operationId: `${action}Campaign`,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} a campaign`,
      description: {
        pause: 'Nothing new is enqueued (a slice already handed to the session may still go out). 409 unless scheduled or running.',
        resume: 'Continues a paused campaign (whatever paused it) at its pace, without making up for the pause. 409 unless paused.',
        cancel: 'Stops for good: unsent recipients count as skipped, queued messages are withdrawn. 409 once completed or cancelled.',
      }[action],
      tags,
      access: 'tenant',
      idempotent: true,
      params: campaignParams,
      responses: { 200: { description: 'The campaign.', schema: campaignView } },
      errors: [409],
      async handle({ params, principal, deps, logger }) {
        const campaign = await controlCampaign({ tenantId: principal.tenantId, campaignId: params.id }, action, deps.campaigns.controls);
        logger.info(`campaign.${action}`, { campaignId: campaign.campaignId });
        return json(200, toCampaignView(campaign));
      },
    }),
  ),
];

export function toCampaignView(campaign: CampaignRecord): z.infer<typeof campaignView> {
  const settled = settledCount(campaign.counts);
  return {
    id: campaign.campaignId,
    name: campaign.name,
    sessionId: campaign.sessionId,
    status: campaign.status,
    pauseReason: campaign.status === 'paused' ? campaign.pauseReason : undefined,
    holdReason: campaign.status === 'running' ? campaign.holdReason : undefined,
    message: campaign.message as z.infer<typeof campaignMessageSchema>,
    startAt: campaign.startAt,
    timezone: campaign.timezone,
    quietHours: campaign.quietHours,
    pace: campaign.pace,
    warmUp: campaign.warmUp,
    total: campaign.total,
    enqueued: campaign.cursor,
    counts: campaign.counts,
    progress: { settled, percent: campaign.total ? Math.round((settled * 1000) / campaign.total) / 10 : 100 },
    intake: { ...campaign.intake, samples: [...campaign.intake.samples] },
    nextRunAt: campaign.nextRunAt,
    startedAt: campaign.startedAt,
    completedAt: campaign.completedAt,
    cancelledAt: campaign.cancelledAt,
    createdAt: campaign.createdAt,
    updatedAt: campaign.updatedAt,
  };
}

function toRecipientView(recipient: RecipientRecord): z.infer<typeof recipientView> {
  return {
    index: recipient.index,
    phoneNumber: `+${recipient.phoneNumber}`,
    status: recipient.status,
    messageId: recipient.commandId,
    reason: recipient.reason,
    variables: recipient.variables ?? {},
    updatedAt: recipient.updatedAt,
  };
}
