/**
 * The tenant's suppression list: numbers that must never get a campaign message again. Items live in the
 * tenants table (pk = tenantId, sk = `SUPPRESSION#{digits}`), added through the API or by an inbound opt-out
 * keyword (opt-out.ts), and checked by the scheduler for every slice, so a number suppressed mid-campaign is
 * skipped from the next slice on.
 */
import type { DynamoTable, Page } from '../aws/dynamo-table.ts';
import type { Clock } from '../clock.ts';

export const SUPPRESSION_PREFIX = 'SUPPRESSION#';

export type SuppressionSource = 'api' | 'opt_out';

export interface Suppression {
  /** Digits of the phone number. */
  readonly phoneNumber: string;
  readonly source: SuppressionSource;
  /** For opt-outs: the keyword received. */
  readonly keyword?: string;
  readonly createdAt: string;
}

export class SuppressionStore {
  constructor(
    private readonly table: DynamoTable,
    private readonly clock: Clock,
  ) {}

  /** Adds numbers (digits); adding one already on the list keeps it there. */
  async add(tenantId: string, phoneNumbers: readonly string[], source: SuppressionSource, keyword?: string): Promise<Suppression[]> {
    const createdAt = new Date(this.clock.now()).toISOString();
    const entries = [...new Set(phoneNumbers)].map((phoneNumber) => ({ phoneNumber, source, keyword, createdAt }));
    await this.table.writeMany(entries.map((entry) => ({ ...entry, pk: tenantId, sk: `${SUPPRESSION_PREFIX}${entry.phoneNumber}` })));
    return entries;
  }

  async remove(tenantId: string, phoneNumber: string): Promise<boolean> {
    const key = { pk: tenantId, sk: `${SUPPRESSION_PREFIX}${phoneNumber}` };
    const existing = await this.table.get(key);
    if (!existing) return false;
    await this.table.delete(key);
    return true;
  }

  async list(tenantId: string, page: { limit: number; cursor?: string }): Promise<Page<Suppression>> {
    const out = await this.table.query({ partition: tenantId, sortBeginsWith: SUPPRESSION_PREFIX, limit: page.limit, cursor: page.cursor });
    return { items: out.items.map(toSuppression), cursor: out.cursor };
  }

  /** Which of these numbers are suppressed (batched reads). */
  async among(tenantId: string, phoneNumbers: readonly string[]): Promise<Set<string>> {
    if (phoneNumbers.length === 0) return new Set();
    const unique = [...new Set(phoneNumbers)];
    const items = await this.table.getMany(unique.map((phoneNumber) => ({ pk: tenantId, sk: `${SUPPRESSION_PREFIX}${phoneNumber}` })));
    return new Set(items.map((item) => String(item.phoneNumber)));
  }
}

function toSuppression(item: Record<string, unknown>): Suppression {
  return {
    phoneNumber: String(item.phoneNumber),
    source: item.source as SuppressionSource,
    ...(item.keyword ? { keyword: String(item.keyword) } : {}),
    createdAt: String(item.createdAt),
  };
}
