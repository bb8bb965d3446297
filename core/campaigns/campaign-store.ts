/**
 * Campaign items in the campaigns table: pk = tenantId, sk = `CAMPAIGN#{id}`. Progress counters are flat
 * numeric attributes (`n_sent`, ...) changed only with atomic ADDs. While a campaign has work for the
 * scheduler it sits in the sparse gsi1 (`gsi1pk = 'due'`, `gsi1sk` = next run time, ISO), so a tick finds
 * due campaigns with one query.
 *
 * Every state change is conditional on `version` (optimistic concurrency): two concurrent ticks, or a tick
 * and a tenant's pause, cannot both win.
 */
import type { DynamoTable, Item, Page } from '../aws/dynamo-table.ts';
import { ConditionFailedError } from '../errors.ts';
import {
  emptyCounts,
  recipientStatuses,
  type CampaignCounts,
  type CampaignRecord,
  type CampaignStatus,
  type CampaignStep,
} from './campaign.ts';

export const DUE_PARTITION = 'due';
/** How long a campaign and its recipients are kept, counted from its start. */
export const CAMPAIGN_RETENTION_DAYS = 180;

const COUNT_PREFIX = 'n_';
const INTERNAL = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt']);

export interface CampaignKey {
  readonly tenantId: string;
  readonly campaignId: string;
}

/** What a tick or a control action writes; `null` removes an attribute. */
export interface CampaignPatch {
  readonly set?: Partial<Record<keyof CampaignRecord, unknown>>;
  readonly remove?: readonly (keyof CampaignRecord)[];
  readonly counts?: Partial<CampaignCounts>;
  /** The next time the scheduler should look at it; null takes it out of the due index. */
  readonly nextRunAt?: string | null;
}

export function campaignSortKey(campaignId: string): string {
  return `CAMPAIGN#${campaignId}`;
}

export class CampaignStore {
  constructor(private readonly table: DynamoTable) {}

  async create(record: CampaignRecord, expiresAt: number): Promise<void> {
    const { counts, ...rest } = record;
    await this.table.create({
      ...rest,
      ...countAttributes(counts),
      pk: record.tenantId,
      sk: campaignSortKey(record.campaignId),
      ...(record.nextRunAt ? { gsi1pk: DUE_PARTITION, gsi1sk: record.nextRunAt } : {}),
      expiresAt,
    });
  }

  async get(key: CampaignKey): Promise<CampaignRecord | undefined> {
    const item = await this.table.get({ pk: key.tenantId, sk: campaignSortKey(key.campaignId) });
    return item ? toRecord(item) : undefined;
  }

  /** A tenant's campaigns, newest first. */
  async list(tenantId: string, page: { limit: number; cursor?: string; status?: CampaignStatus }): Promise<Page<CampaignRecord>> {
    const out = await this.table.query({
      partition: tenantId,
      sortBeginsWith: 'CAMPAIGN#',
      newestFirst: true,
      limit: page.limit,
      cursor: page.cursor,
      filter: page.status ? { expression: '#status = :status', names: { '#status': 'status' }, values: { ':status': page.status } } : undefined,
    });
    return { items: out.items.map(toRecord), cursor: out.cursor };
  }

  /** Keys of campaigns whose next run time has come, most overdue first. */
  async due(now: string, limit: number): Promise<CampaignKey[]> {
    const out = await this.table.query({ index: 'gsi1', partition: DUE_PARTITION, sortBetween: ['0', now], limit });
    return out.items.map((item) => ({ tenantId: String(item.pk), campaignId: String(item.sk).slice('CAMPAIGN#'.length) }));
  }

  /**
   * Applies a patch if the campaign is still at `version` (and, for ticks, has no step in progress);
   * bumps the version. Returns the stored record, or undefined when someone else changed it first.
   */
  async update(
    key: CampaignKey,
    version: number,
    patch: CampaignPatch,
    options: { requireNoStep?: boolean; statusIn?: readonly CampaignStatus[] } = {},
  ): Promise<CampaignRecord | undefined> {
    const set: Record<string, unknown> = { ...patch.set, version: version + 1 };
    const remove: string[] = [...(patch.remove ?? [])];
    if (patch.nextRunAt === null) remove.push('nextRunAt', 'gsi1pk', 'gsi1sk');
    else if (patch.nextRunAt !== undefined) Object.assign(set, { nextRunAt: patch.nextRunAt, gsi1pk: DUE_PARTITION, gsi1sk: patch.nextRunAt });
    const values: Record<string, unknown> = { ':version': version };
    const names: Record<string, string> = { '#version': 'version' };
    let expression = 'attribute_exists(pk) AND #version = :version';
    if (options.requireNoStep) {
      names['#step'] = 'step';
      expression += ' AND attribute_not_exists(#step)';
    }
    if (options.statusIn) {
      names['#status'] = 'status';
      options.statusIn.forEach((status, i) => (values[`:status${i}`] = status));
      expression += ` AND #status IN (${options.statusIn.map((_, i) => `:status${i}`).join(', ')})`;
    }
    try {
      const item = await this.table.update(
        { pk: key.tenantId, sk: campaignSortKey(key.campaignId) },
        {
          set,
          remove,
          add: countAttributes(patch.counts ?? {}, true),
          condition: { expression, names, values },
        },
      );
      return toRecord(item);
    } catch (error) {
      if (error instanceof ConditionFailedError) return undefined;
      throw error;
    }
  }

  /** Removes a step once applied (only that step: a later tick's step is left alone). */
  async clearStep(key: CampaignKey, step: CampaignStep): Promise<void> {
    try {
      await this.table.update(
        { pk: key.tenantId, sk: campaignSortKey(key.campaignId) },
        { remove: ['step'], condition: { expression: '#step.#id = :id', names: { '#step': 'step', '#id': 'id' }, values: { ':id': step.id } } },
      );
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
    }
  }
}

function countAttributes(counts: Partial<CampaignCounts>, nonZeroOnly = false): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [status, value] of Object.entries(counts)) {
    if (value === undefined || (nonZeroOnly && value === 0)) continue;
    out[`${COUNT_PREFIX}${status}`] = value;
  }
  return out;
}

function toRecord(item: Item): CampaignRecord {
  const counts = emptyCounts();
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(item)) {
    if (INTERNAL.has(key)) continue;
    if (key.startsWith(COUNT_PREFIX) && (recipientStatuses as readonly string[]).includes(key.slice(COUNT_PREFIX.length))) {
      counts[key.slice(COUNT_PREFIX.length) as keyof CampaignCounts] = Number(value);
    } else {
      rest[key] = value;
    }
  }
  return { ...rest, counts } as unknown as CampaignRecord;
}
