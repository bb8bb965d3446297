/**
 * Request schemas for campaigns and the suppression list, shared by the API routes (validation and the
 * OpenAPI document) and the use-cases. Recipients' phone numbers are only shape-checked here: invalid
 * numbers are reported per recipient by the intake (recipient-intake.ts), not a reason to refuse the list.
 */
import * as z from 'zod';
import {
  audioContent,
  contactContent,
  documentContent,
  imageContent,
  locationContent,
  textContent,
  videoContent,
} from '../domain/message.ts';
import { isValidTimeZone } from './quiet-hours.ts';
import { VARIABLE_NAME } from './template.ts';

/** Most recipients accepted inline in the request body; larger lists come as a CSV import. */
export const MAX_INLINE_RECIPIENTS = 10_000;
export const MAX_VARIABLES = 20;
export const MAX_VARIABLE_LENGTH = 1_000;
/** How far ahead a campaign may be scheduled. */
export const MAX_SCHEDULE_AHEAD_DAYS = 90;

const hhmm = z
  .string()
  .regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'expected HH:MM (24 h)')
  .describe('Local time in the campaign timezone, HH:MM (24 h).');

export const quietHoursSchema = z
  .object({ start: hhmm, end: hhmm })
  .strict()
  .refine((value) => value.start !== value.end, { message: 'start and end must differ', path: ['end'] })
  .describe('Daily window, in the campaign timezone, in which nothing is sent; may span midnight (21:00-08:00).');

export const paceSchema = z
  .object({
    perMinute: z.number().int().min(1).max(120).default(10).describe('Sends per minute once warmed up (default 10).'),
    jitterPercent: z
      .number()
      .int()
      .min(0)
      .max(50)
      .default(20)
      .describe('Random variation of each minute\'s batch around the pace, in percent (the average is kept).'),
  })
  .strict();

export const warmUpSchema = z
  .object({
    initialPerMinute: z.number().positive().max(120).default(1).describe('Rate at the first send (default 1/min).'),
    durationMinutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 30)
      .describe('Minutes of wall time, from the first send, over which the rate rises linearly to the pace.'),
  })
  .strict()
  .describe('Ramp for a new number: start slow and reach the pace gradually.');

const variableValue = z.union([z.string().max(MAX_VARIABLE_LENGTH), z.number(), z.boolean()]);

export const recipientInputSchema = z
  .object({
    to: z.string().min(1).max(64).describe('E.164 phone number (+4915112345678) or a user JID.'),
    variables: z
      .record(z.string().regex(VARIABLE_NAME, 'variable names are letters, digits and underscore'), variableValue)
      .refine((value) => Object.keys(value).length <= MAX_VARIABLES, `at most ${MAX_VARIABLES} variables`)
      .optional()
      .describe('Values for the template placeholders.'),
  })
  .strict();
export type RecipientInput = z.infer<typeof recipientInputSchema>;

/** Campaign messages: every sendable type except reactions; no replies (one message to many people). */
export const campaignMessageSchema = z.discriminatedUnion('type', [
  textContent.omit({ replyTo: true }),
  imageContent.omit({ replyTo: true }),
  videoContent.omit({ replyTo: true }),
  audioContent.omit({ replyTo: true }),
  documentContent.omit({ replyTo: true }),
  locationContent.omit({ replyTo: true }),
  contactContent.omit({ replyTo: true }),
]);

export const createCampaignSchema = z
  .object({
    sessionId: z.string().min(1).max(64),
    name: z.string().trim().min(1).max(200),
    message: campaignMessageSchema.describe('The template: {{var}} / {{var|fallback}} in text and captions.'),
    recipients: z.array(recipientInputSchema).min(1).max(MAX_INLINE_RECIPIENTS).optional(),
    recipientsImportId: z.string().min(1).max(64).optional().describe('An import from POST /v1/campaigns/imports.'),
    startAt: z.iso.datetime({ offset: true }).optional().describe('When to start (default: now).'),
    timezone: z
      .string()
      .max(64)
      .refine(isValidTimeZone, 'unknown IANA timezone')
      .default('UTC')
      .describe('IANA timezone for quiet hours (default UTC).'),
    quietHours: quietHoursSchema.optional(),
    pace: paceSchema.optional(),
    warmUp: warmUpSchema.optional(),
  })
  .strict()
  .refine((value) => (value.recipients === undefined) !== (value.recipientsImportId === undefined), {
    message: 'give exactly one of recipients or recipientsImportId',
    path: ['recipients'],
  });
export type CreateCampaignInput = z.input<typeof createCampaignSchema>;
export type CreateCampaignRequest = z.output<typeof createCampaignSchema>;

export const suppressionsRequestSchema = z
  .object({
    phoneNumbers: z.array(z.string().min(1).max(32)).min(1).max(1_000).describe('E.164 phone numbers to never message again.'),
  })
  .strict();
