/**
 * Use-cases behind the `/v1/webhooks` routes: register, read, change, delete endpoints and rotate their
 * secrets. A URL is checked against SSRF at registration and on every change (and again at each delivery);
 * a secret is returned only by create and rotate.
 */
import type { Clock } from '../clock.ts';
import type { EventType } from '../domain/event.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { EndpointPatch, EndpointStore } from './ports.ts';
import { checkWebhookUrl, resolveAllowedAddresses, type HostResolver, type SsrfPolicy } from './ssrf-guard.ts';
import { MAX_ENDPOINTS_PER_TENANT, toEndpointView, type WebhookEndpoint, type WebhookEndpointView } from './webhook-endpoint.ts';
import { newWebhookSecret } from './webhook-signing.ts';

export interface EndpointDeps {
  readonly endpoints: EndpointStore;
  readonly policy: SsrfPolicy;
  readonly resolve: HostResolver;
  readonly clock: Clock;
  /** How long a rotated-out secret keeps signing unless the request says otherwise. */
  readonly secretOverlapSeconds: number;
}

export interface NewEndpoint {
  readonly url: string;
  readonly events?: readonly EventType[];
  readonly sessionIds?: readonly string[];
  readonly description?: string;
}

export interface EndpointUpdate {
  readonly url?: string;
  readonly events?: readonly EventType[] | null;
  readonly sessionIds?: readonly string[] | null;
  readonly description?: string | null;
  readonly enabled?: boolean;
}

/** An endpoint with its secret: the answer of create and rotate, the only time the secret is shown. */
export interface EndpointWithSecret extends WebhookEndpointView {
  readonly secret: string;
}

/** Registers an endpoint; its URL must pass the SSRF guard now (statically and as it resolves). */
export async function createEndpoint(deps: EndpointDeps, tenantId: string, input: NewEndpoint): Promise<EndpointWithSecret> {
  await checkUrl(deps, input.url);
  const existing = await deps.endpoints.list(tenantId);
  if (existing.length >= MAX_ENDPOINTS_PER_TENANT) {
    throw new ConflictError('webhook_limit_reached', `A tenant may have at most ${MAX_ENDPOINTS_PER_TENANT} webhook endpoints`);
  }
  const now = new Date(deps.clock.now()).toISOString();
  const endpoint: WebhookEndpoint = {
    tenantId,
    id: newId(deps.clock.now()),
    url: input.url,
    events: nonEmpty(input.events),
    sessionIds: nonEmpty(input.sessionIds),
    description: input.description,
    enabled: true,
    secret: newWebhookSecret(),
    createdAt: now,
    updatedAt: now,
  };
  await deps.endpoints.create(endpoint);
  return { ...toEndpointView(endpoint), secret: endpoint.secret };
}

export async function listEndpoints(deps: Pick<EndpointDeps, 'endpoints'>, tenantId: string): Promise<WebhookEndpointView[]> {
  const endpoints = await deps.endpoints.list(tenantId);
  return endpoints.sort((a, b) => a.id.localeCompare(b.id)).map(toEndpointView);
}

export async function getEndpoint(deps: Pick<EndpointDeps, 'endpoints'>, tenantId: string, endpointId: string): Promise<WebhookEndpointView> {
  const endpoint = await deps.endpoints.get(tenantId, endpointId);
  if (!endpoint) throw new NotFoundError('Webhook endpoint', 'webhook_not_found');
  return toEndpointView(endpoint);
}

/** Changes url, filters, description or enabled; an empty filter list means "all", like null. */
export async function updateEndpoint(
  deps: EndpointDeps,
  tenantId: string,
  endpointId: string,
  update: EndpointUpdate,
): Promise<WebhookEndpointView> {
  if (update.url !== undefined) await checkUrl(deps, update.url);
  const patch: EndpointPatch = {
    url: update.url,
    events: update.events === undefined ? undefined : (nonEmpty(update.events ?? undefined) ?? null),
    sessionIds: update.sessionIds === undefined ? undefined : (nonEmpty(update.sessionIds ?? undefined) ?? null),
    description: update.description,
    enabled: update.enabled,
  };
  return toEndpointView(await deps.endpoints.update(tenantId, endpointId, patch));
}

export async function deleteEndpoint(deps: Pick<EndpointDeps, 'endpoints'>, tenantId: string, endpointId: string): Promise<void> {
  await deps.endpoints.remove(tenantId, endpointId);
}

/**
 * Replaces the signing secret. The previous one keeps signing alongside it (two signatures per request) for
 * `overlapSeconds` (default: the configured overlap), so receivers can switch without losing a request.
 */
export async function rotateEndpointSecret(
  deps: EndpointDeps,
  tenantId: string,
  endpointId: string,
  options: { overlapSeconds?: number } = {},
): Promise<EndpointWithSecret> {
  const current = await deps.endpoints.get(tenantId, endpointId);
  if (!current) throw new NotFoundError('Webhook endpoint', 'webhook_not_found');
  const overlapMs = (options.overlapSeconds ?? deps.secretOverlapSeconds) * 1000;
  const secret = newWebhookSecret();
  const rotated = await deps.endpoints.rotateSecret(tenantId, endpointId, {
    expected: current.secret,
    secret,
    previousExpiresAt: new Date(deps.clock.now() + overlapMs).toISOString(),
  });
  return { ...toEndpointView(rotated), secret };
}

async function checkUrl(deps: EndpointDeps, url: string): Promise<void> {
  await resolveAllowedAddresses(checkWebhookUrl(url, deps.policy), deps.policy, deps.resolve);
}

function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list && list.length > 0 ? [...new Set(list)] : undefined;
}
