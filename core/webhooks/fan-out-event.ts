/**
 * Use-case: an event arrived from the events queue; deliver it to each of the tenant's matching endpoints.
 *
 * Each endpoint's delivery is independent: its item is created conditionally (keyed by event id + endpoint
 * id, so a redelivered event starts no second cycle) and its first attempt runs at once; a receiver failure
 * becomes a scheduled retry, never a failure of the event. Only a store or queue fault fails the event, after
 * every endpoint has had its turn, so SQS redelivers it and the deliveries already made are not repeated.
 */
import type { AnyEvent } from '../domain/event.ts';
import { deliveryIdFor, type DeliveryRecord } from './delivery.ts';
import { continueDelivery, type AttemptOutcomeKind, type DeliveryDeps } from './run-delivery-attempt.ts';
import { endpointMatches, type WebhookEndpoint } from './webhook-endpoint.ts';

export interface FanOutResult {
  /** Per matching endpoint id, what became of its delivery. */
  readonly outcomes: Record<string, AttemptOutcomeKind | 'duplicate'>;
}

export async function fanOutEvent(deps: DeliveryDeps, event: AnyEvent): Promise<FanOutResult> {
  const endpoints = (await deps.endpoints.endpointsOf(event.tenantId)).filter((endpoint) => endpointMatches(endpoint, event));
  const payload = JSON.stringify(event);
  const settled = await Promise.allSettled(endpoints.map((endpoint) => deliverTo(deps, event, endpoint, payload)));
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
): Promise<AttemptOutcomeKind | 'duplicate'> {
  const now = new Date(deps.clock.now()).toISOString();
  const fresh: DeliveryRecord = {
    tenantId: event.tenantId,
    id: deliveryIdFor(event, endpoint.id),
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
  const { record, created } = await deps.deliveries.createIfAbsent(fresh);
  // A redelivered event: continue the first cycle only where it was interrupted (never a replayed cycle).
  if (!created && (record.cycle !== 1 || record.status !== 'pending')) return 'duplicate';
  return continueDelivery(deps, record, 1);
}
