/** Request and response schemas of webhook endpoints and the delivery log (routes/webhooks.ts). */
import * as z from 'zod';
import { eventTypes } from '../../../core/domain/event.ts';
import { typedEventSchema } from '../../../core/domain/event-schemas.ts';
import { deliveryStatuses } from '../../../core/webhooks/delivery.ts';
import { idParam, timestamp } from './common.ts';

const url = z
  .string()
  .trim()
  .max(2048)
  .meta({ description: 'Where events are POSTed: https, a public address (private, loopback and metadata addresses are refused).' });
const events = z
  .array(z.enum(eventTypes))
  .max(eventTypes.length)
  .meta({ description: 'Event types to deliver; omitted or empty = all.' });
const sessionIds = z
  .array(idParam)
  .max(100)
  .meta({ description: 'Sessions whose events to deliver; omitted or empty = all. Events without a session always match.' });
const description = z.string().trim().max(500);

export const webhookParams = z.object({ id: idParam });

export const createWebhookBody = z
  .object({ url, events: events.optional(), sessionIds: sessionIds.optional(), description: description.optional() })
  .strict()
  .meta({ id: 'CreateWebhookRequest' });

export const updateWebhookBody = z
  .object({
    url: url.optional(),
    events: events.nullable().optional(),
    sessionIds: sessionIds.nullable().optional(),
    description: description.nullable().optional(),
    enabled: z.boolean().optional().meta({ description: 'false pauses deliveries; pending retries then fail.' }),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: 'Name at least one field to change' })
  .meta({ id: 'UpdateWebhookRequest' });

export const rotateSecretBody = z
  .object({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3600)
      .optional()
      .meta({ description: 'How long the previous secret keeps signing alongside the new one (default 24 h).' }),
  })
  .strict()
  .meta({ id: 'RotateWebhookSecretRequest' });

export const webhookView = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(eventTypes)).optional(),
    sessionIds: z.array(z.string()).optional(),
    description: z.string().optional(),
    enabled: z.boolean(),
    disabledReason: z.string().optional().meta({ description: 'Set when we disabled it (e.g. the receiver answered 410 Gone).' }),
    secretRotatedAt: timestamp.optional(),
    previousSecretExpiresAt: timestamp.optional().meta({ description: 'Until then, requests carry a second signature with the previous secret.' }),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: 'Webhook' });

export const webhookWithSecret = webhookView
  .extend({
    secret: z.string().meta({ description: 'The signing secret (Standard Webhooks `whsec_...`). Shown only now.', example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }),
  })
  .meta({ id: 'WebhookWithSecret' });

export const webhookList = z.object({ items: z.array(webhookView) }).meta({ id: 'WebhookList' });

export const deliveryQuery = z.object({
  status: z.enum(deliveryStatuses).optional(),
  endpointId: idParam.optional(),
  since: z.iso.datetime({ offset: true }).optional().meta({ description: 'Events that occurred at or after this instant.' }),
  until: z.iso.datetime({ offset: true }).optional().meta({ description: 'Events that occurred at or before this instant.' }),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(2048).optional().meta({ description: 'The `nextCursor` of the previous page.' }),
});

const attempt = z.object({
  cycle: z.number().int().meta({ description: '1 for the original delivery, +1 per replay.' }),
  attempt: z.number().int(),
  at: timestamp,
  statusCode: z.number().int().optional(),
  latencyMs: z.number().int(),
  error: z.string().optional().meta({ description: 'timeout, connection_failed, tls_failed, dns_failed, address_forbidden, redirect_not_followed, http_error, ...' }),
  responseExcerpt: z.string().optional().meta({ description: 'The first bytes of the receiver\'s answer.' }),
});

export const deliveryView = z
  .object({
    id: z.string().meta({ description: 'Also the `webhook-id` header: stable across retries and replays.' }),
    eventId: z.string(),
    eventType: z.enum(eventTypes),
    sessionId: z.string().optional(),
    endpointId: z.string(),
    status: z.enum(deliveryStatuses),
    cycle: z.number().int(),
    attemptCount: z.number().int().meta({ description: 'Attempts made in the current cycle (at most 8).' }),
    nextAttemptAt: timestamp.optional(),
    lastStatusCode: z.number().int().optional(),
    lastError: z.string().optional(),
    attempts: z.array(attempt),
    event: typedEventSchema,
    occurredAt: timestamp,
    createdAt: timestamp,
    updatedAt: timestamp,
    completedAt: timestamp.optional(),
  })
  .meta({ id: 'WebhookDelivery' });

export const deliveryPage = z.object({ items: z.array(deliveryView), nextCursor: z.string().nullable() }).meta({ id: 'WebhookDeliveryPage' });

export const replayRangeBody = z
  .object({
    since: z.iso.datetime({ offset: true }),
    until: z.iso.datetime({ offset: true }),
    endpointId: idParam.optional(),
    cursor: z.string().min(1).max(2048).optional().meta({ description: 'The `nextCursor` of the previous replay call.' }),
  })
  .strict()
  .meta({ id: 'ReplayDeliveriesRequest' });

export const replayRangeResult = z
  .object({
    replayed: z.number().int().meta({ description: 'Failed deliveries re-enqueued by this call (at most 100).' }),
    nextCursor: z.string().nullable().meta({ description: 'Present when the range may hold more: call again with it.' }),
  })
  .meta({ id: 'ReplayDeliveriesResult' });
