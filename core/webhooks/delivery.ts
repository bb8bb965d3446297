/**
 * A webhook delivery: one event to one endpoint, logged in the deliveries table with every attempt, and the
 * message that schedules its next attempt on the `webhook-deliveries` queue.
 *
 * The delivery id is derived from the event id and the endpoint id, so an SQS redelivery of the same event
 * maps to the same item (a conditional create refuses the second cycle), and it is time-ordered by the
 * event's `occurredAt`, so the sort key answers time-range queries. The id is also the Standard Webhooks
 * `webhook-id`: stable across retries and replays, so receivers can deduplicate.
 *
 * A delivery runs in cycles: the first starts when the event arrives, a replay starts the next. Within a
 * cycle attempts are numbered from 1; the item's `attemptCount` says how many have completed, and a queue
 * message only acts when it carries the next number of the current cycle (see run-delivery-attempt.ts).
 */
import * as z from 'zod';
import { derivedId } from '../ids.ts';
import type { AnyEvent, EventType } from '../domain/event.ts';
import type { DeliveryErrorCode } from './retry-schedule.ts';

export const deliveryStatuses = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export interface DeliveryAttempt {
  readonly cycle: number;
  readonly attempt: number;
  readonly at: string;
  readonly statusCode?: number;
  readonly latencyMs: number;
  readonly error?: DeliveryErrorCode;
  /** The first bytes of the receiver's answer, for debugging. */
  readonly responseExcerpt?: string;
}

export interface DeliveryRecord {
  readonly tenantId: string;
  readonly id: string;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly sessionId?: string;
  readonly endpointId: string;
  readonly status: DeliveryStatus;
  readonly cycle: number;
  /** Attempts completed in the current cycle. */
  readonly attemptCount: number;
  /** Highest attempt number of the current cycle already put on the queue. */
  readonly scheduledAttempt?: number;
  /** While in the future, an attempt is in flight (a worker claimed it). Epoch ms. */
  readonly claimedUntil?: number;
  readonly nextAttemptAt?: string;
  readonly lastStatusCode?: number;
  readonly lastError?: DeliveryErrorCode;
  /** The latest attempts, oldest first (bounded, see MAX_ATTEMPTS_KEPT). */
  readonly attempts: readonly DeliveryAttempt[];
  /** The exact request body: the event envelope as JSON. */
  readonly payload: string;
  readonly occurredAt: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly completedAt?: string;
}

/** What the API shows of a delivery. */
export interface DeliveryView {
  readonly id: string;
  readonly eventId: string;
  readonly eventType: EventType;
  readonly sessionId?: string;
  readonly endpointId: string;
  readonly status: DeliveryStatus;
  readonly cycle: number;
  readonly attemptCount: number;
  readonly nextAttemptAt?: string;
  readonly lastStatusCode?: number;
  readonly lastError?: DeliveryErrorCode;
  readonly attempts: readonly DeliveryAttempt[];
  readonly event: AnyEvent;
  readonly occurredAt: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly completedAt?: string;
}

/** Attempts kept on the item: three full cycles. */
export const MAX_ATTEMPTS_KEPT = 24;

/** How long a delivery log entry lives. */
export const DELIVERY_RETENTION_SECONDS = 30 * 24 * 3600;

/** One scheduled attempt of one delivery: the body of a `webhook-deliveries` message. */
export const deliveryMessageSchema = z.object({
  v: z.literal(1),
  tenantId: z.string().min(1),
  deliveryId: z.string().min(1),
  cycle: z.number().int().min(1),
  attempt: z.number().int().min(1),
  /** Epoch ms before which the attempt must not run (SQS delays at most 15 minutes; longer waits hop). */
  notBefore: z.number().int().min(0),
});
export type DeliveryMessage = z.infer<typeof deliveryMessageSchema>;

/** The delivery id of an event to an endpoint: deterministic, ordered by the event's time. */
export function deliveryIdFor(event: Pick<AnyEvent, 'id' | 'occurredAt'>, endpointId: string): string {
  const time = Date.parse(event.occurredAt);
  return derivedId(Number.isFinite(time) && time >= 0 ? time : 0, event.id, endpointId);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * The lowest or highest delivery id whose time is `timeMs`, for sort-key range queries: ids are ULIDs, whose
 * first 10 characters are the 48-bit millisecond time in Crockford base32.
 */
export function deliveryIdBound(timeMs: number, end: 'low' | 'high'): string {
  let value = Math.max(0, Math.min(Math.floor(timeMs), 2 ** 48 - 1));
  let prefix = '';
  for (let i = 0; i < 10; i++) {
    prefix = CROCKFORD[value % 32] + prefix;
    value = Math.floor(value / 32);
  }
  return prefix + (end === 'low' ? '0' : 'Z').repeat(16);
}

export function toDeliveryView(record: DeliveryRecord): DeliveryView {
  return {
    id: record.id,
    eventId: record.eventId,
    eventType: record.eventType,
    sessionId: record.sessionId,
    endpointId: record.endpointId,
    status: record.status,
    cycle: record.cycle,
    attemptCount: record.attemptCount,
    nextAttemptAt: record.nextAttemptAt,
    lastStatusCode: record.lastStatusCode,
    lastError: record.lastError,
    attempts: record.attempts,
    event: JSON.parse(record.payload) as AnyEvent,
    occurredAt: record.occurredAt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    completedAt: record.completedAt,
  };
}
