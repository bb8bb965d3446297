/**
 * Tenants and their API keys in the tenants table (pk = tenantId). The tenant itself is `sk = TENANT`; each
 * key is `sk = KEY#{keyId}` holding only the SHA-256 of the key (core/tenants/api-key.ts). A revoked key keeps
 * its record (so listings show when it was revoked) and expires by TTL a while later.
 */
import type { DynamoTable } from '../aws/dynamo-table.ts';
import type { Clock } from '../clock.ts';
import { ConditionFailedError, ConflictError } from '../errors.ts';

export interface TenantRecord {
  readonly tenantId: string;
  readonly name: string;
  readonly createdAt: string;
}

export interface ApiKeyRecord {
  readonly tenantId: string;
  readonly keyId: string;
  readonly name?: string;
  /** Hex SHA-256 of the key; the key itself is never stored. */
  readonly hash: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
}

export const TENANT_SORT_KEY = 'TENANT';
const KEY_PREFIX = 'KEY#';
/** Revoked keys stay listed this long, then DynamoDB TTL removes them. */
export const REVOKED_KEY_RETENTION_DAYS = 30;

const INTERNAL = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt']);

export class TenantStore {
  constructor(
    private readonly table: DynamoTable,
    private readonly clock: Clock,
  ) {}

  async createTenant(input: { tenantId: string; name: string }): Promise<TenantRecord> {
    const record: TenantRecord = { ...input, createdAt: this.isoNow() };
    try {
      await this.table.create({ ...record, pk: input.tenantId, sk: TENANT_SORT_KEY });
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new ConflictError('tenant_exists', 'A tenant with this id already exists');
      throw error;
    }
    return record;
  }

  async getTenant(tenantId: string): Promise<TenantRecord | undefined> {
    const item = await this.table.get({ pk: tenantId, sk: TENANT_SORT_KEY });
    return item ? strip<TenantRecord>(item) : undefined;
  }

  async createKey(input: { tenantId: string; keyId: string; name?: string; hash: string }): Promise<ApiKeyRecord> {
    const record: ApiKeyRecord = { ...input, createdAt: this.isoNow() };
    await this.table.create({ ...record, pk: input.tenantId, sk: KEY_PREFIX + input.keyId });
    return record;
  }

  /** A key's record, read strongly consistent: revocation takes effect on the next request. */
  async getKey(tenantId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
    const item = await this.table.get({ pk: tenantId, sk: KEY_PREFIX + keyId }, { consistent: true });
    return item ? strip<ApiKeyRecord>(item) : undefined;
  }

  /** Every key of a tenant, active and recently revoked, oldest first. Bounded by the per-tenant key cap. */
  async listKeys(tenantId: string): Promise<ApiKeyRecord[]> {
    const items = await this.table.queryAll({ partition: tenantId, sortBeginsWith: KEY_PREFIX, consistent: true });
    return items.map((item) => strip<ApiKeyRecord>(item));
  }

  /** Revokes a key (idempotent); undefined when the tenant has no such key. */
  async revokeKey(tenantId: string, keyId: string): Promise<ApiKeyRecord | undefined> {
    const nowMs = this.clock.now();
    try {
      const item = await this.table.update(
        { pk: tenantId, sk: KEY_PREFIX + keyId },
        {
          setIfAbsent: {
            revokedAt: new Date(nowMs).toISOString(),
            expiresAt: Math.floor(nowMs / 1000) + REVOKED_KEY_RETENTION_DAYS * 86_400,
          },
          condition: { expression: 'attribute_exists(pk)' },
        },
      );
      return strip<ApiKeyRecord>(item);
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  private isoNow(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

function strip<T>(item: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !INTERNAL.has(key))) as T;
}
