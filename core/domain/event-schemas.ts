/**
 * Zod schemas of the event envelope and of each event type's `data` (core/domain/event.ts holds the types).
 * lambdas/webhooks validates every envelope it consumes with `eventEnvelopeSchema`; the per-type schemas
 * document the webhook payloads in the OpenAPI document and let tests check what producers publish.
 */
import * as z from 'zod';
import { commandStatuses } from './command.ts';
import { eventTypes, type AnyEvent, type EventType } from './event.ts';
import { sessionStatuses } from './session.ts';

const isoTime = z.iso.datetime({ offset: true });

export const sessionStatusDataSchema = z
  .object({
    status: z.enum(sessionStatuses),
    previousStatus: z.enum(sessionStatuses).optional(),
    reason: z.string().optional(),
    phoneNumber: z.string().optional().describe('Digits of the paired number, once paired.'),
    disconnectCode: z.number().int().optional().describe('Baileys DisconnectReason code of the last disconnect.'),
  })
  .meta({ id: 'SessionStatusData' });

export const sessionQrDataSchema = z
  .object({
    qr: z.string().describe('The QR payload to render (scan with WhatsApp > Linked devices).'),
    expiresAt: isoTime,
  })
  .meta({ id: 'SessionQrData' });

export const needsPairingDataSchema = z
  .object({ reason: z.string(), disconnectCode: z.number().int().optional() })
  .meta({ id: 'NeedsPairingData' });

export const receivedMessageDataSchema = z
  .object({
    waMessageId: z.string(),
    from: z.string().describe('Sender JID.'),
    chat: z.string().describe('Chat JID (the sender, or a group).'),
    pushName: z.string().optional(),
    timestamp: isoTime,
    type: z.enum(['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contact', 'reaction', 'other']),
    text: z.string().optional(),
    media: z
      .object({
        mimetype: z.string().optional(),
        fileName: z.string().optional(),
        fileLength: z.number().optional(),
        caption: z.string().optional(),
      })
      .optional(),
    location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().optional() }).optional(),
    reaction: z.object({ emoji: z.string(), targetMessageId: z.string() }).optional(),
    replyTo: z.string().optional(),
  })
  .meta({ id: 'ReceivedMessageData' });

export const messageStatusDataSchema = z
  .object({
    messageId: z.string().describe('The command id returned when the message was accepted.'),
    waMessageId: z.string().optional(),
    status: z.enum(commandStatuses),
    reason: z.string().optional(),
    to: z.string().optional(),
    campaignId: z.string().optional(),
  })
  .meta({ id: 'MessageStatusData' });

export const campaignProgressDataSchema = z
  .object({
    campaignId: z.string(),
    status: z.string(),
    counts: z.record(z.string(), z.number()),
    reason: z.string().optional(),
  })
  .meta({ id: 'CampaignProgressData' });

export const alertDataSchema = z
  .object({
    alert: z.string().describe('logged_out, stuck_disconnected, pacing_tripped, session_parked, or another alarm name.'),
    severity: z.enum(['info', 'warning', 'critical']),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: 'AlertData' });

export const eventDataSchemas = {
  'session.status': sessionStatusDataSchema,
  'session.qr': sessionQrDataSchema,
  'session.needs_pairing': needsPairingDataSchema,
  'message.received': receivedMessageDataSchema,
  'message.status': messageStatusDataSchema,
  'campaign.progress': campaignProgressDataSchema,
  alert: alertDataSchema,
} as const satisfies Record<EventType, z.ZodType>;

const envelopeFields = {
  v: z.literal(1),
  id: z.string().min(1).max(64).describe('Unique per event.'),
  tenantId: z.string().min(1),
  sessionId: z.string().min(1).optional(),
  occurredAt: isoTime,
  correlationId: z.string().optional().describe('Carries the request id of the API call that caused the event.'),
};

/** Any envelope: known type, `data` an object (checked per type with `eventDataSchemas`). */
export const eventEnvelopeSchema = z.object({
  ...envelopeFields,
  type: z.enum(eventTypes),
  data: z.record(z.string(), z.unknown()),
});

/** The envelope with `data` typed per event type (the webhook payload, for OpenAPI). */
export const typedEventSchema = z
  .discriminatedUnion(
    'type',
    eventTypes.map((type) => z.object({ ...envelopeFields, type: z.literal(type), data: eventDataSchemas[type] })) as unknown as [
      z.ZodObject,
      ...z.ZodObject[],
    ],
  )
  .meta({ id: 'WebhookEvent', description: 'The body of every webhook request: one event envelope.' });

/** Parses an envelope; throws a ZodError when it is not one. Unknown top-level keys are dropped. */
export function parseEventEnvelope(input: unknown): AnyEvent {
  return eventEnvelopeSchema.parse(input) as unknown as AnyEvent;
}

/** Paths of the `data` fields that do not match the event type's schema (empty when they all do). */
export function eventDataIssues(event: AnyEvent): string[] {
  const result = eventDataSchemas[event.type].safeParse(event.data);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.') || '(root)');
}
