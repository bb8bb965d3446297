/**
 * Use-case: an event arrived from the events queue; deliver it to each of the tenant's matching endpoints.
 *
 * Each endpoint's delivery is independent. Its first attempt runs at once and its item is created with the
 * outcome (keyed by event id + endpoint id, so a copy of the event starts no second cycle: see
 * run-delivery-attempt.ts); a receiver failure becomes a scheduled retry, never a failure of the event. Only
 * a store or queue fault fails the event, after every endpoint has had its turn, so SQS redelivers it. A
 * redelivered event (`redelivered`: SQS received it before) first reads each delivery item, so the
 * deliveries already made are not repeated and an interrupted one continues where it stopped; a first
 * receive skips that read, which is what lets a successful delivery cost a single write.
 */
import type { AnyEvent } from '../domain/event.ts';
import { deliveryIdFor, type DeliveryRecord } from './delivery.ts';
import { continueDelivery, runFirstAttempt, type AttemptOutcomeKind, type DeliveryDeps } from './run-delivery-attempt.ts';
import { endpointMatches, type WebhookEndpoint } from './webhook-endpoint.ts';

export interface FanOutResult {
  /** Per matching endpoint id, what became of its delivery. */
  readonly outcomes: Record<string, AttemptOutcomeKind | 'duplicate'>;
}

export interface FanOutOptions {
  /** SQS delivered this event before (its receive count is above 1): look for existing deliveries first. */
  readonly redelivered?: boolean;
}

export async function fanOutEvent(deps: DeliveryDeps, event: AnyEvent, options: FanOutOptions = {}): Promise<FanOutResult> {
  const endpoints = (await deps.endpoints.endpointsOf(event.tenantId)).filter((endpoint) => endpointMatches(endpoint, event));
  const payload = JSON.stringify(event);
  const settled = await Promise.allSettled(endpoints.map((endpoint) => deliverTo(deps, event, endpoint, payload, options.redelivered ?? false)));
  const outcomes: FanOutResult['outcomes'] = {};
  const errors: unknown[] = [];
  settled.forEach((result, i) => {
    if (result.status === 'fulfilled') outcomes[endpoints[i]!.id] = result.value;
    else errors.push(result.reason);
  });
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, `${errors.length} of ${endpoints.length} deliveries could not be started`);
  return { outcomes };
}

async function deliverTo(
  deps: DeliveryDeps,
  event: AnyEvent,
  endpoint: WebhookEndpoint,
  payload: string,
  redelivered: boolean,
): Promise<AttemptOutcomeKind | 'duplicate'> {
  const id = deliveryIdFor(event, endpoint.id);
  if (redelivered) {
    const existing = await deps.deliveries.get(event.tenantId, id);
    // Continue the first cycle only where it was interrupted (never a replayed cycle).
    if (existing) return existing.cycle === 1 && existing.status === 'pending' ? continueDelivery(deps, existing, 1) : 'duplicate';
  }
  const now = new Date(deps.clock.now()).toISOString();
  const fresh: DeliveryRecord = {
    tenantId: event.tenantId,
    id,
    eventId: event.id,
    eventType: event.type,
    sessionId: event.sessionId,
    endpointId: endpoint.id,
    status: 'pending',
    cycle: 1,
    attemptCount: 0,
    scheduledAttempt: 1,
    attempts: [],
    payload,
    occurredAt: event.occurredAt,
    createdAt: now,
    updatedAt: now,
  };
  return runFirstAttempt(deps, fresh);
}
