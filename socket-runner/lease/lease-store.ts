/**
 * Lease items on the leases table: the handful of conditional single-item writes the lease protocol (D4)
 * is made of. Every write names what it expects to find (absent, released at epoch e, or held with token
 * t at epoch e); a changed item raises ConditionFailedError, which is how races are decided. Strongly
 * consistent reads throughout: a contender's clock starts on what the table really holds.
 */
import type { DynamoTable, Expression } from '../../core/aws/dynamo-table.ts';
import {
  leaseId,
  ownerPartition,
  type ExpectedLease,
  type LeaseItem,
  type LeaseKey,
  type LeaseSubject,
} from './lease-records.ts';

export interface Grant {
  readonly owner: string;
  readonly renewToken: string;
  /** Wall-clock ms, informational. */
  readonly now: number;
}

/** The lease as held: who, at which epoch, and the tokens it may currently carry. */
export interface Holding {
  readonly owner: string;
  readonly epoch: number;
  /** The confirmed token plus any whose write outcome is unknown (KCL's re-read rule). */
  readonly tokens: readonly string[];
}

/** The lease store as the lease manager and placement use it (the DynamoDB adapter below implements it). */
export interface LeaseStorePort {
  read(key: LeaseKey): Promise<LeaseItem | undefined>;
  readMany(keys: readonly LeaseKey[]): Promise<Map<string, LeaseItem>>;
  acquire(subject: LeaseSubject, expected: ExpectedLease, grant: Grant): Promise<LeaseItem>;
  renew(key: LeaseKey, holding: Holding, nextToken: string, now: number): Promise<void>;
  release(key: LeaseKey, holding: Holding, now: number): Promise<void>;
  remove(key: LeaseKey, holding: Holding): Promise<void>;
}

export class LeaseStore implements LeaseStorePort {
  constructor(private readonly table: DynamoTable) {}

  async read(key: LeaseKey): Promise<LeaseItem | undefined> {
    return this.table.get<LeaseItem & Record<string, unknown>>({ pk: key.pk, sk: key.sk });
  }

  /** Current items by leaseId; absent keys are absent from the map. */
  async readMany(keys: readonly LeaseKey[]): Promise<Map<string, LeaseItem>> {
    const items = await this.table.getMany<LeaseItem & Record<string, unknown>>(keys.map((key) => ({ pk: key.pk, sk: key.sk })));
    return new Map(items.map((item) => [leaseId(item), item]));
  }

  /** Takes the lease if it is still as the caller saw it; returns the new item. */
  async acquire(subject: LeaseSubject, expected: ExpectedLease, grant: Grant): Promise<LeaseItem> {
    const held = {
      owner: grant.owner,
      renewToken: grant.renewToken,
      slot: subject.slot,
      acquiredAt: grant.now,
      renewedAt: grant.now,
      gsi1pk: ownerPartition(grant.owner),
      gsi1sk: subject.pk,
    };
    if (expected.state === 'absent') {
      const item = {
        pk: subject.pk,
        sk: subject.sk,
        kind: subject.kind,
        tenantId: subject.tenantId,
        sessionId: subject.sessionId,
        epoch: expected.baseEpoch + 1,
        ...held,
      };
      await this.table.create(item);
      return item as LeaseItem;
    }
    const condition: Expression =
      expected.state === 'released'
        ? {
            expression: 'attribute_exists(#pk) AND attribute_not_exists(#token) AND #epoch = :epoch',
            names: { '#pk': 'pk', '#token': 'renewToken', '#epoch': 'epoch' },
            values: { ':epoch': expected.epoch },
          }
        : {
            expression: '#token = :token AND #epoch = :epoch',
            names: { '#token': 'renewToken', '#epoch': 'epoch' },
            values: { ':epoch': expected.epoch, ':token': expected.renewToken },
          };
    return this.table.update<LeaseItem & Record<string, unknown>>(
      { pk: subject.pk, sk: subject.sk },
      { set: { ...held, epoch: expected.epoch + 1 }, remove: ['releasedAt'], condition },
    );
  }

  /** Replaces the token; succeeds only while the holding is still ours. */
  async renew(key: LeaseKey, holding: Holding, nextToken: string, now: number): Promise<void> {
    await this.table.update({ pk: key.pk, sk: key.sk }, { set: { renewToken: nextToken, renewedAt: now }, condition: heldBy(holding) });
  }

  /** Gives the lease up, keeping its epoch: the next acquirer increments it. */
  async release(key: LeaseKey, holding: Holding, now: number): Promise<void> {
    await this.table.update(
      { pk: key.pk, sk: key.sk },
      { set: { releasedAt: now }, remove: ['owner', 'renewToken', 'gsi1pk', 'gsi1sk'], condition: heldBy(holding) },
    );
  }

  /** Deletes the lease item (a deleted session whose record is already purged). */
  async remove(key: LeaseKey, holding: Holding): Promise<void> {
    await this.table.delete({ pk: key.pk, sk: key.sk }, heldBy(holding));
  }

  /**
   * Leases held by an owner, for operators and tests. gsi1 projects keys only (so renewals never write it)
   * and lags the table: the items are read consistently and those no longer held by `owner` dropped.
   */
  async heldBy(owner: string): Promise<LeaseItem[]> {
    const listed = await this.table.queryAll<LeaseKey & Record<string, unknown>>({ index: 'gsi1', partition: ownerPartition(owner) });
    const items = await this.readMany(listed.map((entry) => ({ pk: entry.pk, sk: entry.sk })));
    return [...items.values()].filter((item) => item.owner === owner);
  }
}

/** The condition of every holder-side write: still ours, same epoch, carrying a token we may have written. */
function heldBy(holding: Holding): Expression {
  const values: Record<string, unknown> = { ':owner': holding.owner, ':epoch': holding.epoch };
  const placeholders = holding.tokens.map((token, index) => {
    values[`:t${index}`] = token;
    return `:t${index}`;
  });
  return {
    expression: `#owner = :owner AND #epoch = :epoch AND #token IN (${placeholders.join(', ')})`,
    names: { '#owner': 'owner', '#epoch': 'epoch', '#token': 'renewToken' },
    values,
  };
}
