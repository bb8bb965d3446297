/**
 * The body of a slot-queue message (core/domain/command.ts `CommandEnvelope`), parsed strictly: anything
 * else on the queue is a poison message, deleted and logged rather than retried into the DLQ.
 */
import * as z from 'zod';
import type { CommandEnvelope } from '../../core/domain/command.ts';

const envelopeSchema = z.object({
  v: z.literal(1),
  tenantId: z.string().min(1).max(128),
  sessionId: z.string().min(1).max(128),
  commandId: z.string().min(1).max(128),
  hops: z.number().int().min(0).max(100).optional(),
});

/** The envelope, or undefined when the body is not one. */
export function parseEnvelope(body: string): CommandEnvelope | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = envelopeSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
