/**
 * The webhook delivery log in the deliveries table: the DynamoDB implementation of the DeliveryStore port.
 *
 * Keys: pk = tenantId, sk = `DELIVERY#{deliveryId}` (delivery ids are ULIDs of the event time, so the sort
 * key answers time ranges); gsi1 = `{tenantId}#DELIVERY#{status}` / deliveryId, read newest first, for
 * "failed deliveries since ...". Items expire 30 days after their last cycle started (TTL `expiresAt`).
 *
 * Every write is a single conditional one (no transactions, ARCHITECTURE D1): the first attempt's outcome
 * arrives as a create that refuses an existing item, later ones as updates conditional on the cycle and
 * attempt count they belong to, so two workers that got the same message cannot both record an attempt.
 */
import type { DynamoTable, Item, Page, QuerySpec } from '../aws/dynamo-table.ts';
import type { Clock } from '../clock.ts';
import { ConditionFailedError } from '../errors.ts';
import {
  DELIVERY_RETENTION_SECONDS,
  MAX_ATTEMPTS_KEPT,
  deliveryIdBound,
  type DeliveryRecord,
  type DeliveryStatus,
} from './delivery.ts';
import type { AttemptResult, DeliveryQuery, DeliveryStore } from './ports.ts';

const SK_PREFIX = 'DELIVERY#';
const INTERNAL = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'expiresAt']);
/** Pages read to fill one filtered page before returning it short (with a cursor). */
const MAX_READS_PER_PAGE = 5;
const LATEST = 2 ** 48 - 1;

export class DeliveryRepository implements DeliveryStore {
  constructor(
    private readonly table: DynamoTable,
    private readonly clock: Clock,
  ) {}

  async createIfAbsent(record: DeliveryRecord): Promise<{ record: DeliveryRecord; created: boolean }> {
    try {
      await this.table.create({
        ...record,
        pk: record.tenantId,
        sk: SK_PREFIX + record.id,
        ...statusIndex(record.tenantId, record.id, record.status),
        expiresAt: this.expiry(),
      });
      return { record, created: true };
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const existing = await this.get(record.tenantId, record.id);
      if (!existing) throw error;
      return { record: existing, created: false };
    }
  }

  async get(tenantId: string, deliveryId: string): Promise<DeliveryRecord | undefined> {
    const item = await this.table.get({ pk: tenantId, sk: SK_PREFIX + deliveryId });
    return item ? toRecord(item) : undefined;
  }

  async claim(record: DeliveryRecord, attempt: number, nowMs: number, untilMs: number): Promise<boolean> {
    return this.conditional(async () => {
      await this.table.update(keyOf(record), {
        set: { claimedUntil: untilMs },
        condition: {
          expression:
            '#status = :pending AND #cycle = :cycle AND #done = :done AND (attribute_not_exists(#claim) OR #claim < :now)',
          names: { '#status': 'status', '#cycle': 'cycle', '#done': 'attemptCount', '#claim': 'claimedUntil' },
          values: { ':pending': 'pending', ':cycle': record.cycle, ':done': attempt - 1, ':now': nowMs },
        },
      });
      return true;
    }, false);
  }

  async recordAttempt(record: DeliveryRecord, result: AttemptResult): Promise<DeliveryRecord | undefined> {
    const { attempt } = result;
    const now = this.nowIso();
    const done = result.status !== 'pending';
    return this.conditional(async () => {
      const item = await this.table.update(keyOf(record), {
        set: {
          status: result.status,
          ...statusIndex(record.tenantId, record.id, result.status),
          attemptCount: attempt.attempt,
          attempts: [...record.attempts, attempt].slice(-MAX_ATTEMPTS_KEPT),
          lastStatusCode: attempt.statusCode,
          lastError: attempt.error,
          nextAttemptAt: result.nextAttemptAt,
          completedAt: done ? now : undefined,
          updatedAt: now,
        },
        remove: [
          'claimedUntil',
          ...(attempt.statusCode === undefined ? ['lastStatusCode'] : []),
          ...(attempt.error === undefined ? ['lastError'] : []),
          ...(result.nextAttemptAt === undefined ? ['nextAttemptAt'] : []),
        ],
        condition: {
          expression: '#status = :pending AND #cycle = :cycle AND #done = :done',
          names: { '#status': 'status', '#cycle': 'cycle', '#done': 'attemptCount' },
          values: { ':pending': 'pending', ':cycle': attempt.cycle, ':done': attempt.attempt - 1 },
        },
      });
      return toRecord(item);
    }, undefined);
  }

  async markScheduled(record: DeliveryRecord, attempt: number): Promise<void> {
    await this.conditional(async () => {
      await this.table.update(keyOf(record), {
        set: { scheduledAttempt: attempt },
        condition: { expression: '#cycle = :cycle', names: { '#cycle': 'cycle' }, values: { ':cycle': record.cycle } },
      });
    }, undefined);
  }

  async restartCycle(record: DeliveryRecord): Promise<DeliveryRecord | undefined> {
    const now = this.nowIso();
    return this.conditional(async () => {
      const item = await this.table.update(keyOf(record), {
        set: {
          status: 'pending',
          ...statusIndex(record.tenantId, record.id, 'pending'),
          cycle: record.cycle + 1,
          attemptCount: 0,
          scheduledAttempt: 1,
          nextAttemptAt: now,
          updatedAt: now,
          expiresAt: this.expiry(),
        },
        remove: ['claimedUntil', 'completedAt', 'lastError', 'lastStatusCode'],
        condition: {
          expression: '#status <> :pending AND #cycle = :cycle',
          names: { '#status': 'status', '#cycle': 'cycle' },
          values: { ':pending': 'pending', ':cycle': record.cycle },
        },
      });
      return toRecord(item);
    }, undefined);
  }

  async revertRestart(restarted: DeliveryRecord, previousStatus: DeliveryStatus): Promise<void> {
    const now = this.nowIso();
    await this.conditional(async () => {
      await this.table.update(keyOf(restarted), {
        set: { status: previousStatus, ...statusIndex(restarted.tenantId, restarted.id, previousStatus), completedAt: now, updatedAt: now },
        remove: ['scheduledAttempt', 'nextAttemptAt'],
        condition: {
          expression: '#status = :pending AND #cycle = :cycle AND #done = :zero',
          names: { '#status': 'status', '#cycle': 'cycle', '#done': 'attemptCount' },
          values: { ':pending': 'pending', ':cycle': restarted.cycle, ':zero': 0 },
        },
      });
    }, undefined);
  }

  async list(tenantId: string, query: DeliveryQuery): Promise<Page<DeliveryRecord>> {
    const low = deliveryIdBound(query.sinceMs ?? 0, 'low');
    const high = deliveryIdBound(query.untilMs ?? LATEST, 'high');
    const base: Omit<QuerySpec, 'limit' | 'cursor'> = query.status
      ? { index: 'gsi1', partition: statusPartition(tenantId, query.status), sortBetween: [low, high], newestFirst: true }
      : { partition: tenantId, sortBetween: [SK_PREFIX + low, SK_PREFIX + high], newestFirst: true };
    const filter = query.endpointId
      ? { expression: '#endpointId = :endpointId', names: { '#endpointId': 'endpointId' }, values: { ':endpointId': query.endpointId } }
      : undefined;
    const items: DeliveryRecord[] = [];
    let cursor = query.cursor;
    for (let read = 0; read < MAX_READS_PER_PAGE; read++) {
      const page = await this.table.query({ ...base, filter, limit: query.limit - items.length, cursor });
      items.push(...page.items.map(toRecord));
      cursor = page.cursor;
      if (!cursor || items.length >= query.limit) break;
    }
    return { items, cursor };
  }

  private async conditional<T>(write: () => Promise<T>, onConflict: T): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof ConditionFailedError) return onConflict;
      throw error;
    }
  }

  private expiry(): number {
    return Math.floor(this.clock.now() / 1000) + DELIVERY_RETENTION_SECONDS;
  }

  private nowIso(): string {
    return new Date(this.clock.now()).toISOString();
  }
}

function keyOf(record: Pick<DeliveryRecord, 'tenantId' | 'id'>): { pk: string; sk: string } {
  return { pk: record.tenantId, sk: SK_PREFIX + record.id };
}

function statusPartition(tenantId: string, status: DeliveryStatus): string {
  return `${tenantId}#DELIVERY#${status}`;
}

function statusIndex(tenantId: string, deliveryId: string, status: DeliveryStatus): { gsi1pk: string; gsi1sk: string } {
  return { gsi1pk: statusPartition(tenantId, status), gsi1sk: deliveryId };
}

function toRecord(item: Item): DeliveryRecord {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !INTERNAL.has(key))) as unknown as DeliveryRecord;
}
