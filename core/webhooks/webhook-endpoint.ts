/**
 * A tenant's webhook endpoint: where its events go, which ones, and the secrets that sign them. Stored in the
 * tenants table (pk = tenantId, sk = `WEBHOOK#{id}`). The secret is needed in clear to sign, so it is stored
 * (the table is KMS-encrypted in AWS), shown to the tenant once at creation or rotation, never logged and
 * never returned again: `toEndpointView` is the only shape that leaves the core.
 */
import type { AnyEvent, EventType } from '../domain/event.ts';

export interface WebhookEndpoint {
  readonly tenantId: string;
  readonly id: string;
  readonly url: string;
  /** Event types delivered; absent = all. */
  readonly events?: readonly EventType[];
  /** Sessions whose events are delivered; absent = all (events without a session always match). */
  readonly sessionIds?: readonly string[];
  readonly description?: string;
  readonly enabled: boolean;
  /** Why the endpoint was disabled when we disabled it (e.g. the receiver answered 410 Gone). */
  readonly disabledReason?: string;
  readonly secret: string;
  /** The secret before the last rotation; it keeps signing alongside the new one until `previousSecretExpiresAt`. */
  readonly previousSecret?: string;
  readonly previousSecretExpiresAt?: string;
  readonly secretRotatedAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What the API returns for an endpoint: everything but the secrets. */
export interface WebhookEndpointView {
  readonly id: string;
  readonly url: string;
  readonly events?: readonly EventType[];
  readonly sessionIds?: readonly string[];
  readonly description?: string;
  readonly enabled: boolean;
  readonly disabledReason?: string;
  readonly secretRotatedAt?: string;
  /** While set and in the future, the previous secret still signs alongside the current one. */
  readonly previousSecretExpiresAt?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Endpoints per tenant: every event fans out to each, so the count is bounded. */
export const MAX_ENDPOINTS_PER_TENANT = 20;

export const ENDPOINT_SK_PREFIX = 'WEBHOOK#';

export function toEndpointView(endpoint: WebhookEndpoint): WebhookEndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    sessionIds: endpoint.sessionIds,
    description: endpoint.description,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    secretRotatedAt: endpoint.secretRotatedAt,
    previousSecretExpiresAt: endpoint.previousSecretExpiresAt,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
  };
}

/** True when the endpoint is enabled and its filters let the event through. */
export function endpointMatches(endpoint: WebhookEndpoint, event: AnyEvent): boolean {
  if (!endpoint.enabled || endpoint.tenantId !== event.tenantId) return false;
  if (endpoint.events?.length && !endpoint.events.includes(event.type)) return false;
  if (endpoint.sessionIds?.length && event.sessionId !== undefined && !endpoint.sessionIds.includes(event.sessionId)) return false;
  return true;
}

/** The secrets that sign a request at `nowMs`: the current one, and the previous one during its overlap. */
export function signingSecrets(endpoint: WebhookEndpoint, nowMs: number): string[] {
  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && Date.parse(endpoint.previousSecretExpiresAt) > nowMs) {
    secrets.push(endpoint.previousSecret);
  }
  return secrets;
}
