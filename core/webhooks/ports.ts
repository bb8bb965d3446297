/**
 * The ports the webhook use-cases depend on. DynamoDB repositories, the SQS delivery queue and the HTTP
 * sender implement them; tests may substitute any of them.
 */
import type { Page } from '../aws/dynamo-table.ts';
import type { DeliveryAttempt, DeliveryMessage, DeliveryRecord, DeliveryStatus } from './delivery.ts';
import type { DeliveryErrorCode } from './retry-schedule.ts';
import type { WebhookEndpoint } from './webhook-endpoint.ts';

export interface EndpointPatch {
  readonly url?: string;
  readonly events?: WebhookEndpoint['events'] | null;
  readonly sessionIds?: WebhookEndpoint['sessionIds'] | null;
  readonly description?: string | null;
  readonly enabled?: boolean;
}

/** Webhook endpoints of tenants. */
export interface EndpointStore {
  create(endpoint: WebhookEndpoint): Promise<void>;
  get(tenantId: string, endpointId: string): Promise<WebhookEndpoint | undefined>;
  /** Every endpoint of the tenant (bounded by MAX_ENDPOINTS_PER_TENANT), enabled or not. */
  list(tenantId: string): Promise<WebhookEndpoint[]>;
  /** Applies a patch; NotFoundError when the endpoint does not exist. */
  update(tenantId: string, endpointId: string, patch: EndpointPatch): Promise<WebhookEndpoint>;
  /** Replaces the secret, keeping `previous` signing until `previousExpiresAt`; conditional on the secret being `expected`. */
  rotateSecret(tenantId: string, endpointId: string, rotation: SecretRotation): Promise<WebhookEndpoint>;
  disable(tenantId: string, endpointId: string, reason: string): Promise<void>;
  /** NotFoundError when it does not exist. */
  remove(tenantId: string, endpointId: string): Promise<void>;
}

export interface SecretRotation {
  readonly expected: string;
  readonly secret: string;
  readonly previousExpiresAt: string;
}

/** The result of an attempt, as written to the delivery log. */
export interface AttemptResult {
  readonly attempt: DeliveryAttempt;
  readonly status: DeliveryStatus;
  readonly nextAttemptAt?: string;
}

export interface DeliveryQuery {
  readonly status?: DeliveryStatus;
  readonly endpointId?: string;
  /** Inclusive bounds on the event time, epoch ms. */
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly limit: number;
  readonly cursor?: string;
}

/** The delivery log. Every write is conditional on the cycle and attempt it belongs to. */
export interface DeliveryStore {
  /** Creates the delivery unless it exists; returns the stored record either way. */
  createIfAbsent(record: DeliveryRecord): Promise<{ record: DeliveryRecord; created: boolean }>;
  get(tenantId: string, deliveryId: string): Promise<DeliveryRecord | undefined>;
  /**
   * Claims attempt `attempt` of `cycle` until `untilMs`: only when the delivery is pending in that cycle with
   * `attempt - 1` attempts done and no live claim. False when another worker has it or it moved on.
   */
  claim(record: DeliveryRecord, attempt: number, nowMs: number, untilMs: number): Promise<boolean>;
  /** Records a completed attempt (releasing the claim); undefined when the delivery moved on meanwhile. */
  recordAttempt(record: DeliveryRecord, result: AttemptResult): Promise<DeliveryRecord | undefined>;
  /** Notes that attempt `attempt` of `cycle` is on the queue. */
  markScheduled(record: DeliveryRecord, attempt: number): Promise<void>;
  /** Starts the next cycle of a delivery that is not pending; undefined when it changed meanwhile. */
  restartCycle(record: DeliveryRecord): Promise<DeliveryRecord | undefined>;
  /** Undoes a restart whose first attempt could not be enqueued. */
  revertRestart(restarted: DeliveryRecord, previousStatus: DeliveryStatus): Promise<void>;
  list(tenantId: string, query: DeliveryQuery): Promise<Page<DeliveryRecord>>;
}

/** The `webhook-deliveries` queue and its dead-letter queue. */
export interface DeliveryScheduler {
  /** Enqueues an attempt to run no earlier than `message.notBefore` (hopping when the wait exceeds SQS's 15 minutes). */
  schedule(message: DeliveryMessage, nowMs: number): Promise<void>;
  scheduleMany(messages: readonly DeliveryMessage[], nowMs: number): Promise<void>;
  /** A copy of a delivery that exhausted its attempts, for operators. */
  deadLetter(message: DeliveryMessage, reason: string): Promise<void>;
}

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface WebhookResponse {
  readonly statusCode?: number;
  readonly error?: DeliveryErrorCode;
  readonly latencyMs: number;
  readonly responseExcerpt?: string;
}

/** Sends one webhook request, never throwing for receiver or network faults (they are outcomes). */
export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResponse>;
}

/** Per-attempt counters (EMF in Lambda): the webhook failure-rate alarm is computed from them. */
export interface DeliveryMetrics {
  /** One HTTP attempt (or one refused by the SSRF guard) and how it ended. */
  attempt(result: 'succeeded' | 'failed'): void;
}
