/**
 * Webhook endpoints in the tenants table (pk = tenantId, sk = `WEBHOOK#{id}`): the DynamoDB implementation of
 * the EndpointStore port. Every key starts with the tenant, so another tenant's endpoint is simply absent.
 */
import type { DynamoTable, Item } from '../aws/dynamo-table.ts';
import type { Clock } from '../clock.ts';
import { ConditionFailedError, ConflictError, NotFoundError } from '../errors.ts';
import { ENDPOINT_SK_PREFIX, MAX_ENDPOINTS_PER_TENANT, type WebhookEndpoint } from './webhook-endpoint.ts';
import type { EndpointPatch, EndpointStore, SecretRotation } from './ports.ts';

const KEYS = new Set(['pk', 'sk']);
const EXISTS = { expression: 'attribute_exists(#pk)', names: { '#pk': 'pk' } };

export class WebhookEndpointRepository implements EndpointStore {
  constructor(
    private readonly table: DynamoTable,
    private readonly clock: Clock,
  ) {}

  async create(endpoint: WebhookEndpoint): Promise<void> {
    await this.table.create({ ...endpoint, pk: endpoint.tenantId, sk: skOf(endpoint.id) });
  }

  async get(tenantId: string, endpointId: string): Promise<WebhookEndpoint | undefined> {
    const item = await this.table.get({ pk: tenantId, sk: skOf(endpointId) });
    return item ? toEndpoint(item) : undefined;
  }

  async list(tenantId: string): Promise<WebhookEndpoint[]> {
    const page = await this.table.query({
      partition: tenantId,
      sortBeginsWith: ENDPOINT_SK_PREFIX,
      limit: MAX_ENDPOINTS_PER_TENANT * 2,
      consistent: true,
    });
    return page.items.map(toEndpoint);
  }

  async update(tenantId: string, endpointId: string, patch: EndpointPatch): Promise<WebhookEndpoint> {
    const remove: string[] = (['events', 'sessionIds', 'description'] as const).filter((field) => patch[field] === null);
    if (patch.enabled === true) remove.push('disabledReason');
    const item = await this.writeExisting(tenantId, endpointId, {
      set: {
        url: patch.url,
        events: patch.events ?? undefined,
        sessionIds: patch.sessionIds ?? undefined,
        description: patch.description ?? undefined,
        enabled: patch.enabled,
        updatedAt: this.nowIso(),
      },
      remove,
    });
    return toEndpoint(item);
  }

  async rotateSecret(tenantId: string, endpointId: string, rotation: SecretRotation): Promise<WebhookEndpoint> {
    const now = this.nowIso();
    try {
      const item = await this.table.update(
        { pk: tenantId, sk: skOf(endpointId) },
        {
          set: {
            secret: rotation.secret,
            previousSecret: rotation.expected,
            previousSecretExpiresAt: rotation.previousExpiresAt,
            secretRotatedAt: now,
            updatedAt: now,
          },
          condition: { expression: 'attribute_exists(#pk) AND #secret = :expected', names: { '#pk': 'pk', '#secret': 'secret' }, values: { ':expected': rotation.expected } },
        },
      );
      return toEndpoint(item);
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      if (!(await this.get(tenantId, endpointId))) throw new NotFoundError('Webhook endpoint', 'webhook_not_found');
      throw new ConflictError('secret_rotation_conflict', 'The secret was rotated concurrently; retry');
    }
  }

  async disable(tenantId: string, endpointId: string, reason: string): Promise<void> {
    await this.writeExisting(tenantId, endpointId, { set: { enabled: false, disabledReason: reason, updatedAt: this.nowIso() } });
  }

  async remove(tenantId: string, endpointId: string): Promise<void> {
    try {
      await this.table.delete({ pk: tenantId, sk: skOf(endpointId) }, EXISTS);
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new NotFoundError('Webhook endpoint', 'webhook_not_found');
      throw error;
    }
  }

  private async writeExisting(
    tenantId: string,
    endpointId: string,
    spec: { set: Record<string, unknown>; remove?: readonly string[] },
  ): Promise<Item> {
    try {
      return await this.table.update({ pk: tenantId, sk: skOf(endpointId) }, { ...spec, condition: EXISTS });
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new NotFoundError('Webhook endpoint', 'webhook_not_found');
      throw error;
    }
  }

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

function skOf(endpointId: string): string {
  return `${ENDPOINT_SK_PREFIX}${endpointId}`;
}

function toEndpoint(item: Item): WebhookEndpoint {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !KEYS.has(key))) as unknown as WebhookEndpoint;
}
