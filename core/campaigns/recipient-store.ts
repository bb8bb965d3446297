/**
 * Campaign recipients in the campaigns table: pk = `tenantId#campaignId`, sk = the zero-padded index, one
 * small item per recipient (a 10,000-recipient campaign is 10,000 items written in batches, never one large
 * item). While a recipient's outcome can still change (queued, sent, delivered) it also sits in the sparse
 * gsi1 (see `inFlightPartition`), which is all the scheduler reads to reconcile outcomes.
 */
import type { DynamoTable, Item, Page } from '../aws/dynamo-table.ts';
import { ConditionFailedError } from '../errors.ts';
import type { AcceptedRecipient } from './recipient-intake.ts';
import type { CampaignStatus, RecipientRecord, RecipientStatus } from './campaign.ts';
import type { CampaignKey } from './campaign-store.ts';

const INDEX_WIDTH = 10;
const WRITE_CONCURRENCY = 4;
const WRITE_CHUNK = 250;
const INTERNAL = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt']);

export function recipientPartition(key: CampaignKey): string {
  return `${key.tenantId}#${key.campaignId}`;
}

/**
 * The in-flight index has two partitions per campaign: `unsent` (queued: waiting for the runner, read in
 * full every tick, small by construction) and `receipts` (sent or delivered: waiting for delivery and read
 * receipts, read in rotation), so a long tail of delivered-but-unread messages never delays the accounting
 * of fresh sends.
 */
export type InFlightKind = 'unsent' | 'receipts';

export function inFlightPartition(key: CampaignKey, kind: InFlightKind): string {
  return `${key.tenantId}#${key.campaignId}#${kind}`;
}

function inFlightKindOf(status: RecipientStatus): InFlightKind | undefined {
  if (status === 'queued') return 'unsent';
  if (status === 'sent' || status === 'delivered') return 'receipts';
  return undefined;
}

export function recipientSortKey(index: number): string {
  return String(index).padStart(INDEX_WIDTH, '0');
}

export interface RecipientChange {
  readonly status: RecipientStatus;
  readonly commandId?: string;
  readonly reason?: string;
}

export class RecipientStore {
  constructor(private readonly table: DynamoTable) {}

  /** Writes the recipients of a new campaign, indexes 0..n-1, in parallel batches. */
  async putAll(key: CampaignKey, recipients: readonly AcceptedRecipient[], expiresAt: number): Promise<void> {
    const partition = recipientPartition(key);
    const chunks: Item[][] = [];
    for (let start = 0; start < recipients.length; start += WRITE_CHUNK) {
      chunks.push(
        recipients.slice(start, start + WRITE_CHUNK).map((recipient, offset) => ({
          pk: partition,
          sk: recipientSortKey(start + offset),
          index: start + offset,
          phoneNumber: recipient.phoneNumber,
          variables: recipient.variables,
          status: 'pending',
          expiresAt,
        })),
      );
    }
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) await this.table.writeMany(chunks[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, chunks.length) }, worker));
  }

  /** Recipients `from` (inclusive) to `to` (exclusive), read consistently, in index order. */
  async range(key: CampaignKey, from: number, to: number): Promise<RecipientRecord[]> {
    if (to <= from) return [];
    const items = await this.table.queryAll({
      partition: recipientPartition(key),
      sortBetween: [recipientSortKey(from), recipientSortKey(to - 1)],
      consistent: true,
    });
    return items.map(toRecord);
  }

  /** Recipients by index, read consistently (missing ones are absent). */
  async getMany(key: CampaignKey, indexes: readonly number[]): Promise<RecipientRecord[]> {
    const partition = recipientPartition(key);
    const items = await this.table.getMany(indexes.map((index) => ({ pk: partition, sk: recipientSortKey(index) })));
    return items.map(toRecord).sort((a, b) => a.index - b.index);
  }

  /**
   * Indexes of in-flight recipients after `afterIndex`, in index order (gsi1: eventually consistent, so
   * callers re-read the items before acting on them).
   */
  async inFlight(key: CampaignKey, kind: InFlightKind, afterIndex: number | undefined, limit: number): Promise<number[]> {
    if (limit <= 0) return [];
    const out = await this.table.query({
      index: 'gsi1',
      partition: inFlightPartition(key, kind),
      sortAfter: afterIndex === undefined ? undefined : recipientSortKey(afterIndex),
      limit,
    });
    return out.items.map((item) => Number(item.index));
  }

  /**
   * Moves a recipient to `change.status` if it is in `from` (or already there: re-applying is harmless).
   * Keeps the recipient in the in-flight partition its new status belongs to. False when it was elsewhere.
   */
  async transition(key: CampaignKey, index: number, from: RecipientStatus, change: RecipientChange, at: string): Promise<boolean> {
    const kind = inFlightKindOf(change.status);
    try {
      await this.table.update(
        { pk: recipientPartition(key), sk: recipientSortKey(index) },
        {
          set: {
            status: change.status,
            commandId: change.commandId,
            reason: change.reason,
            updatedAt: at,
            ...(kind ? { gsi1pk: inFlightPartition(key, kind), gsi1sk: recipientSortKey(index) } : {}),
          },
          remove: kind ? [] : ['gsi1pk', 'gsi1sk'],
          condition: {
            expression: '#status IN (:from, :to)',
            names: { '#status': 'status' },
            values: { ':from': from, ':to': change.status },
          },
        },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /**
   * One page of recipients for the API, optionally of one status. In a cancelled campaign, recipients that
   * were never enqueued are reported (and filtered) as `skipped`.
   */
  async list(
    key: CampaignKey,
    campaignStatus: CampaignStatus,
    page: { limit: number; cursor?: string; status?: RecipientStatus },
  ): Promise<Page<RecipientRecord>> {
    const cancelled = campaignStatus === 'cancelled';
    let filter;
    if (page.status) {
      const stored = cancelled && page.status === 'skipped' ? ['skipped', 'pending'] : cancelled && page.status === 'pending' ? [] : [page.status];
      if (stored.length === 0) return { items: [] };
      const values = Object.fromEntries(stored.map((status, i) => [`:s${i}`, status]));
      filter = { expression: `#status IN (${Object.keys(values).join(', ')})`, names: { '#status': 'status' }, values };
    }
    const out = await this.table.query({ partition: recipientPartition(key), limit: page.limit, cursor: page.cursor, filter });
    const items = out.items.map(toRecord).map((record) => (cancelled && record.status === 'pending' ? { ...record, status: 'skipped' as const } : record));
    return { items, cursor: out.cursor };
  }
}

function toRecord(item: Item): RecipientRecord {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !INTERNAL.has(key))) as unknown as RecipientRecord;
}
