/** Request and response schemas of sessions, their QR and pairing codes. */
import * as z from 'zod';
import { pacingSchema, sessionStatuses } from '../../../core/domain/session.ts';
import { timestamp } from './common.ts';

export const createSessionBody = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    pacing: pacingSchema.partial().optional().meta({ description: 'Overrides of the default send pacing.' }),
  })
  .strict()
  .meta({ id: 'CreateSessionRequest' });

export const sessionView = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    status: z.enum(sessionStatuses),
    statusReason: z.string().optional(),
    desiredState: z.enum(['running', 'stopped']),
    phoneNumber: z.string().optional().meta({ description: 'The linked phone number (E.164), once paired.' }),
    ownerRunnerId: z.string().optional().meta({ description: 'The socket runner holding the session.' }),
    lastDisconnect: z
      .object({ code: z.number(), reason: z.string(), at: timestamp })
      .optional()
      .meta({ description: 'Why the socket last closed.' }),
    pacing: pacingSchema,
    createdAt: timestamp,
    updatedAt: timestamp,
    statusChangedAt: timestamp,
  })
  .meta({ id: 'Session' });

export const sessionPage = z
  .object({ items: z.array(sessionView), nextCursor: z.string().nullable() })
  .meta({ id: 'SessionPage' });

export const sessionDeleted = z
  .object({
    id: z.string(),
    deletedAt: timestamp,
    commandId: z.string().meta({ description: 'The logout command the owner runner executes.' }),
  })
  .meta({ id: 'SessionDeleted' });

export const qrView = z
  .object({
    qr: z.string().meta({ description: 'The QR payload; render it, or ask for `?format=png`.' }),
    expiresAt: timestamp,
  })
  .meta({ id: 'Qr' });

export const qrQuery = z.object({ format: z.enum(['json', 'png']).default('json') });

export const pairingCodeBody = z
  .object({ phoneNumber: z.string().min(1).max(32).meta({ description: 'The phone to link, E.164.', example: '+4915112345678' }) })
  .strict()
  .meta({ id: 'PairingCodeRequest' });

export const pairingCodeView = z
  .object({ code: z.string().meta({ description: 'Enter it on the phone: Linked devices > Link with phone number.' }) })
  .meta({ id: 'PairingCode' });
