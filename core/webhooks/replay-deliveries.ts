/**
 * Use-cases behind `/v1/webhooks/deliveries`: read the delivery log, and replay deliveries. A replay starts a
 * fresh attempt cycle (eight attempts with backoff) on the same delivery item, so its `webhook-id` stays the
 * same and a receiver that did process an earlier attempt can recognise the repeat. The current endpoint
 * URL and secrets are used, so fixing a broken receiver and replaying is the recovery path.
 */
import type { Page } from '../aws/dynamo-table.ts';
import type { Clock } from '../clock.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { toDeliveryView, type DeliveryRecord, type DeliveryStatus, type DeliveryView } from './delivery.ts';
import type { DeliveryScheduler, DeliveryStore } from './ports.ts';
import { messageFor } from './run-delivery-attempt.ts';

export interface ReplayDeps {
  readonly deliveries: DeliveryStore;
  readonly scheduler: DeliveryScheduler;
  readonly clock: Clock;
}

export interface DeliveryFilter {
  readonly status?: DeliveryStatus;
  readonly endpointId?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** Deliveries replayed per range request; the answer's cursor continues the range. */
export const MAX_REPLAYS_PER_REQUEST = 100;
const REPLAY_CONCURRENCY = 10;

/** Deliveries of the tenant, newest event first, optionally by status, endpoint and event time range. */
export async function listDeliveries(deps: Pick<ReplayDeps, 'deliveries'>, tenantId: string, filter: DeliveryFilter): Promise<Page<DeliveryView>> {
  const range = timeRange(filter.since, filter.until);
  const page = await deps.deliveries.list(tenantId, { ...range, status: filter.status, endpointId: filter.endpointId, limit: filter.limit, cursor: filter.cursor });
  return { items: page.items.map(toDeliveryView), cursor: page.cursor };
}

export async function getDelivery(deps: Pick<ReplayDeps, 'deliveries'>, tenantId: string, deliveryId: string): Promise<DeliveryView> {
  const record = await deps.deliveries.get(tenantId, deliveryId);
  if (!record) throw new NotFoundError('Delivery', 'delivery_not_found');
  return toDeliveryView(record);
}

/** Replays one delivery that is not in progress (failed, or succeeded and wanted again). */
export async function replayDelivery(deps: ReplayDeps, tenantId: string, deliveryId: string): Promise<DeliveryView> {
  const record = await deps.deliveries.get(tenantId, deliveryId);
  if (!record) throw new NotFoundError('Delivery', 'delivery_not_found');
  const restarted = record.status === 'pending' ? undefined : await restart(deps, record);
  if (!restarted) throw new ConflictError('delivery_in_progress', 'The delivery is still being attempted');
  return toDeliveryView(restarted);
}

/**
 * Replays the failed deliveries whose events fall in [since, until] (optionally for one endpoint), at most
 * MAX_REPLAYS_PER_REQUEST per call; when `cursor` comes back, call again with it for the rest.
 */
export async function replayFailedDeliveries(
  deps: ReplayDeps,
  tenantId: string,
  request: { since: string; until: string; endpointId?: string; cursor?: string },
): Promise<{ replayed: number; cursor?: string }> {
  const page = await deps.deliveries.list(tenantId, {
    ...timeRange(request.since, request.until),
    status: 'failed',
    endpointId: request.endpointId,
    limit: MAX_REPLAYS_PER_REQUEST,
    cursor: request.cursor,
  });
  let replayed = 0;
  for (let start = 0; start < page.items.length; start += REPLAY_CONCURRENCY) {
    const chunk = page.items.slice(start, start + REPLAY_CONCURRENCY);
    const results = await Promise.all(chunk.map((record) => restart(deps, record)));
    replayed += results.filter(Boolean).length;
  }
  return { replayed, cursor: page.cursor };
}

/** Starts the next cycle and enqueues its first attempt; undone when the enqueue fails. */
async function restart(deps: ReplayDeps, record: DeliveryRecord): Promise<DeliveryRecord | undefined> {
  const restarted = await deps.deliveries.restartCycle(record);
  if (!restarted) return undefined;
  const now = deps.clock.now();
  try {
    await deps.scheduler.schedule(messageFor(restarted, 1, now), now);
  } catch (error) {
    await deps.deliveries.revertRestart(restarted, record.status);
    throw error;
  }
  return restarted;
}

function timeRange(since: string | undefined, until: string | undefined): { sinceMs?: number; untilMs?: number } {
  const sinceMs = since === undefined ? undefined : Date.parse(since);
  const untilMs = until === undefined ? undefined : Date.parse(until);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) {
    throw new ValidationError('`since` must not be after `until`', undefined, 'invalid_time_range');
  }
  return { sinceMs, untilMs };
}
