/**
 * Endpoint lookups for the delivery path, cached per container for a short time: every event needs its
 * tenant's endpoints, and a burst of events from one tenant should cost one DynamoDB query, not one each.
 * The price is that an endpoint change reaches deliveries after at most the cache TTL (30 s by default); a
 * rotated secret is unaffected in practice because the previous secret keeps signing during its overlap.
 */
import { LRUCache } from 'lru-cache';
import type { EndpointStore } from './ports.ts';
import type { WebhookEndpoint } from './webhook-endpoint.ts';

/** What the delivery use-cases need to know about endpoints. */
export interface EndpointDirectory {
  /** Every endpoint of the tenant, enabled or not. */
  endpointsOf(tenantId: string): Promise<readonly WebhookEndpoint[]>;
  endpoint(tenantId: string, endpointId: string): Promise<WebhookEndpoint | undefined>;
  /** Disables an endpoint (the receiver answered 410 Gone). */
  disable(tenantId: string, endpointId: string, reason: string): Promise<void>;
}

export class CachedEndpointDirectory implements EndpointDirectory {
  private readonly cache?: LRUCache<string, readonly WebhookEndpoint[]>;

  constructor(
    private readonly store: EndpointStore,
    options: { ttlMs: number; maxTenants?: number },
  ) {
    if (options.ttlMs > 0) this.cache = new LRUCache({ max: options.maxTenants ?? 1000, ttl: options.ttlMs });
  }

  async endpointsOf(tenantId: string): Promise<readonly WebhookEndpoint[]> {
    const cached = this.cache?.get(tenantId);
    if (cached) return cached;
    const endpoints = await this.store.list(tenantId);
    this.cache?.set(tenantId, endpoints);
    return endpoints;
  }

  async endpoint(tenantId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    return (await this.endpointsOf(tenantId)).find((endpoint) => endpoint.id === endpointId);
  }

  async disable(tenantId: string, endpointId: string, reason: string): Promise<void> {
    this.cache?.delete(tenantId);
    await this.store.disable(tenantId, endpointId, reason);
  }
}
