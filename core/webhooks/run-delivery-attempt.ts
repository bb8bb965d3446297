/**
 * Use-case: run the attempts of a webhook delivery. Called for attempt 1 by the fan-out of a new event and
 * for every later attempt by the `webhook-deliveries` queue consumer.
 *
 * The first attempt of a new delivery writes once: it sends, then creates the delivery item with the
 * attempt's outcome already in it (one conditional put). Until that put, the events-queue message is still
 * in flight, so a crash before it means SQS redelivers the event and the attempt runs again with the same
 * `webhook-id` (at least once; receivers deduplicate on it). A put that finds the item already there means
 * another copy of the event got there first: the existing item decides what follows, as for any other copy.
 * Most deliveries succeed at once, and this is what keeps them to one write instead of three.
 *
 * Later attempts run from the `webhook-deliveries` queue. SQS delivers at least once, so a message may
 * arrive twice, late, or after a replay started a new cycle. The delivery item decides: a message acts only
 * when it carries the next attempt of the item's current cycle, and a worker must claim the attempt (a
 * conditional write with a short lease) before sending, so two copies of one message cannot both POST. If a
 * worker dies between recording a failed attempt and enqueuing the next one, the next copy of its message
 * (or of the event, for attempt 1) finds the attempt recorded but not scheduled and schedules it.
 *
 * Order of effects, chosen so a crash loses nothing: send -> (dead-letter copy when final) -> record the
 * attempt (the first one: create the item with it) -> enqueue the next attempt -> note it scheduled.
 */
import type { Logger } from '../logger.ts';
import type { Clock } from '../clock.ts';
import { NotFoundError } from '../errors.ts';
import type { DeliveryMessage, DeliveryRecord, DeliveryStatus } from './delivery.ts';
import type { EndpointDirectory } from './endpoint-directory.ts';
import type { AttemptResult, DeliveryMetrics, DeliveryScheduler, DeliveryStore, WebhookResponse, WebhookSender } from './ports.ts';
import { judgeAttempt, retryDelayMs, type Verdict } from './retry-schedule.ts';
import { signingSecrets } from './webhook-endpoint.ts';
import { webhookHeaders } from './webhook-signing.ts';

export interface DeliveryDeps {
  readonly endpoints: EndpointDirectory;
  readonly deliveries: DeliveryStore;
  readonly scheduler: DeliveryScheduler;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  /** [0, 1), for retry jitter. */
  readonly random: () => number;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  readonly metrics: DeliveryMetrics;
  /** How long a claimed attempt stays claimed: longer than the send timeout, shorter than the queue's visibility timeout. */
  readonly claimMs: number;
}

export type AttemptOutcomeKind =
  | 'delivered'
  | 'retry_scheduled'
  | 'failed'
  /** The message was early and went back on the queue with the remaining delay. */
  | 'redelayed'
  /** A recorded attempt's follow-up was missing and has been enqueued. */
  | 'rescheduled'
  /** Another worker holds the attempt. */
  | 'busy'
  /** The message is a duplicate or belongs to a finished attempt or cycle. */
  | 'stale';

/** A message that arrives up to this much early runs anyway (SQS delays are whole seconds). */
const EARLY_TOLERANCE_MS = 1_000;

/** Handles one `webhook-deliveries` message. Throws only when a store or queue fails (the message is retried). */
export async function processDeliveryMessage(deps: DeliveryDeps, message: DeliveryMessage): Promise<AttemptOutcomeKind> {
  const now = deps.clock.now();
  if (message.notBefore > now + EARLY_TOLERANCE_MS) {
    await deps.scheduler.schedule(message, now);
    return 'redelayed';
  }
  const record = await deps.deliveries.get(message.tenantId, message.deliveryId);
  if (!record || record.cycle !== message.cycle || record.status !== 'pending') return 'stale';
  return continueDelivery(deps, record, message.attempt);
}

/** Runs `attempt` of the record's current cycle if it is due, or repairs a missing follow-up. */
export async function continueDelivery(deps: DeliveryDeps, record: DeliveryRecord, attempt: number): Promise<AttemptOutcomeKind> {
  if (record.status !== 'pending') return 'stale';
  if (record.attemptCount === attempt && (record.scheduledAttempt ?? 0) <= attempt && record.nextAttemptAt) {
    const next = messageFor(record, attempt + 1, Date.parse(record.nextAttemptAt));
    await deps.scheduler.schedule(next, deps.clock.now());
    await deps.deliveries.markScheduled(record, attempt + 1);
    return 'rescheduled';
  }
  if (record.attemptCount !== attempt - 1) return 'stale';
  return runAttempt(deps, record, attempt);
}

/**
 * Attempt 1 of a delivery that has no item yet: sends, then creates the item with the outcome (one write).
 * When the item appeared meanwhile (another copy of the event), the stored item decides what follows.
 */
export async function runFirstAttempt(deps: DeliveryDeps, fresh: DeliveryRecord): Promise<AttemptOutcomeKind | 'duplicate'> {
  const tried = await tryOnce(deps, fresh, 1);
  const { record, created } = await deps.deliveries.createIfAbsent({
    ...fresh,
    status: tried.recorded.status,
    lastStatusCode: tried.recorded.attempt.statusCode,
    lastError: tried.recorded.attempt.error,
    nextAttemptAt: tried.recorded.nextAttemptAt,
    completedAt: tried.recorded.status === 'pending' ? undefined : new Date(tried.finishedAt).toISOString(),
    attemptCount: 1,
    scheduledAttempt: 1,
    attempts: [tried.recorded.attempt],
    updatedAt: new Date(tried.finishedAt).toISOString(),
  });
  if (!created) {
    deps.logger.warn('webhook.first_attempt_raced', tried.log);
    if (record.cycle !== 1 || record.status !== 'pending') return 'duplicate';
    const resumed = await continueDelivery(deps, record, 1);
    return resumed === 'stale' || resumed === 'busy' ? 'duplicate' : resumed;
  }
  return followUp(deps, record, tried);
}

async function runAttempt(deps: DeliveryDeps, record: DeliveryRecord, attempt: number): Promise<AttemptOutcomeKind> {
  const claimedAt = deps.clock.now();
  if (!(await deps.deliveries.claim(record, attempt, claimedAt, claimedAt + deps.claimMs))) return 'busy';
  const tried = await tryOnce(deps, record, attempt);
  const updated = await deps.deliveries.recordAttempt(record, tried.recorded);
  if (!updated) {
    deps.logger.warn('webhook.attempt_superseded', tried.log);
    return 'stale';
  }
  return followUp(deps, updated, tried);
}

interface Tried {
  readonly attempt: number;
  readonly recorded: AttemptResult;
  readonly verdict: Verdict;
  readonly delay?: number;
  readonly exhausted: boolean;
  readonly finishedAt: number;
  readonly log: Record<string, unknown>;
}

/** Sends one attempt and judges it; dead-letters a copy when it was the last. Writes nothing to the log. */
async function tryOnce(deps: DeliveryDeps, record: DeliveryRecord, attempt: number): Promise<Tried> {
  const sentAt = deps.clock.now();
  const response = await send(deps, record, sentAt);
  const verdict = judgeAttempt(response);
  if (response.error !== 'endpoint_missing' && response.error !== 'endpoint_disabled') {
    deps.metrics.attempt(verdict === 'succeeded' ? 'succeeded' : 'failed');
  }
  const finishedAt = deps.clock.now();
  const delay = verdict === 'retry' ? retryDelayMs(attempt, deps.random) : undefined;
  const status: DeliveryStatus = verdict === 'succeeded' ? 'succeeded' : delay !== undefined ? 'pending' : 'failed';
  const log = {
    tenantId: record.tenantId,
    deliveryId: record.id,
    endpointId: record.endpointId,
    eventType: record.eventType,
    cycle: record.cycle,
    attempt,
    statusCode: response.statusCode,
    error: response.error,
    latencyMs: response.latencyMs,
  };
  const exhausted = status === 'failed' && verdict === 'retry';
  if (exhausted) await deps.scheduler.deadLetter(messageFor(record, attempt, sentAt), response.error ?? 'http_error');
  const recorded: AttemptResult = {
    attempt: {
      cycle: record.cycle,
      attempt,
      at: new Date(sentAt).toISOString(),
      statusCode: response.statusCode,
      latencyMs: response.latencyMs,
      error: response.error,
      responseExcerpt: response.responseExcerpt,
    },
    status,
    nextAttemptAt: delay !== undefined ? new Date(finishedAt + delay).toISOString() : undefined,
  };
  return { attempt, recorded, verdict, delay, exhausted, finishedAt, log };
}

/** What follows a recorded attempt: disable a gone endpoint, enqueue the next attempt, log the outcome. */
async function followUp(deps: DeliveryDeps, updated: DeliveryRecord, tried: Tried): Promise<AttemptOutcomeKind> {
  const { attempt, verdict, delay, log } = tried;
  if (verdict === 'gone') await disableGoneEndpoint(deps, updated);
  if (tried.recorded.status === 'pending' && delay !== undefined) {
    await deps.scheduler.schedule(messageFor(updated, attempt + 1, tried.finishedAt + delay), tried.finishedAt);
    await deps.deliveries.markScheduled(updated, attempt + 1);
    deps.logger.info('webhook.attempt_failed', { ...log, retryInMs: delay });
    return 'retry_scheduled';
  }
  if (tried.recorded.status === 'succeeded') {
    deps.logger.info('webhook.delivered', log);
    return 'delivered';
  }
  deps.logger.warn('webhook.delivery_failed', { ...log, verdict, exhausted: tried.exhausted });
  return 'failed';
}

async function send(deps: DeliveryDeps, record: DeliveryRecord, sentAt: number): Promise<WebhookResponse> {
  const endpoint = await deps.endpoints.endpoint(record.tenantId, record.endpointId);
  if (!endpoint) return { error: 'endpoint_missing', latencyMs: 0 };
  if (!endpoint.enabled) return { error: 'endpoint_disabled', latencyMs: 0 };
  const headers = webhookHeaders(signingSecrets(endpoint, sentAt), record.id, new Date(sentAt), record.payload);
  return deps.sender.send({ url: endpoint.url, headers, body: record.payload });
}

async function disableGoneEndpoint(deps: DeliveryDeps, record: DeliveryRecord): Promise<void> {
  const context = { tenantId: record.tenantId, endpointId: record.endpointId };
  try {
    await deps.endpoints.disable(record.tenantId, record.endpointId, 'receiver_answered_410_gone');
    deps.logger.warn('webhook.endpoint_disabled', { ...context, reason: 'gone' });
  } catch (error) {
    // The attempt is recorded; failing the message now would not disable anything on its next copy.
    if (!(error instanceof NotFoundError)) deps.logger.warn('webhook.endpoint_disable_failed', { ...context, error });
  }
}

export function messageFor(record: Pick<DeliveryRecord, 'tenantId' | 'id' | 'cycle'>, attempt: number, notBefore: number): DeliveryMessage {
  return { v: 1, tenantId: record.tenantId, deliveryId: record.id, cycle: record.cycle, attempt, notBefore: Math.round(notBefore) };
}
