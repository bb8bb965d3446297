// The lease store against the real leases table: its owner index (gsi1) projects keys only, so a renewal —
// the fleet's most frequent write, one per session every 5 s — writes the table and never the index; the
// index changes only when ownership does. Write units are computed with DynamoDB's documented rules from
// the item images dynalite really holds before and after each write (see dynamodb-capacity.ts).
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTable } from '../../../../core/aws/tables.ts';
import { newId } from '../../../../core/ids.ts';
import { tableNameFromEnv } from '../../../../core/resource-config.ts';
import { tables, type TableDefinition } from '../../../../core/resources.ts';
import { ownerPartition, sessionLeaseSubject, type LeaseKey, type LeaseSubject } from '../../../../socket-runner/lease/lease-records.ts';
import { LeaseStore } from '../../../../socket-runner/lease/lease-store.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';
import { writeCost, type RawItem } from './dynamodb-capacity.ts';

/** The leases table as it was before projections: gsi1 projecting ALL. */
const leasesWithAllProjection: TableDefinition = {
  ...tables.leases,
  indexes: tables.leases.indexes.map((index) => ({ ...index, projection: { type: 'ALL' } })),
};

describe('LeaseStore on the real leases table', () => {
  let aws: AwsFixture;
  let store: LeaseStore;
  let tableName: string;

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 1 });
    store = new LeaseStore(openTable(aws.clients.doc, 'leases', aws.env));
    tableName = tableNameFromEnv('leases', aws.env);
  });
  afterAll(() => aws.close());

  const image = async (key: LeaseKey): Promise<RawItem | undefined> =>
    (await aws.clients.dynamo.send(new GetItemCommand({ TableName: tableName, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true }))).Item;

  const subject = (): LeaseSubject => sessionLeaseSubject(newId(), newId(), 3);

  async function held(owner: string, token = 't0'): Promise<LeaseSubject> {
    const lease = subject();
    await store.acquire(lease, { state: 'absent', baseEpoch: 0 }, { owner, renewToken: token, now: Date.now() });
    return lease;
  }

  it('renews for 1 write unit: the keys-only owner index is not written (2 units with an ALL projection)', async () => {
    const lease = await held('runner-r');
    const before = await image(lease);
    await store.renew(lease, { owner: 'runner-r', epoch: 1, tokens: ['t0'] }, 't1', Date.now());
    const after = await image(lease);
    expect(after?.renewToken).toEqual({ S: 't1' }); // the renewal did apply

    expect(writeCost(tables.leases, before, after)).toEqual({ table: 1, indexes: 0 });
    expect(writeCost(leasesWithAllProjection, before, after)).toEqual({ table: 1, indexes: 1 });
  });

  it('writes the index only when ownership changes: acquisition, release, takeover', async () => {
    const lease = subject();
    await store.acquire(lease, { state: 'absent', baseEpoch: 0 }, { owner: 'runner-a', renewToken: 'a0', now: Date.now() });
    const acquired = await image(lease);
    expect(writeCost(tables.leases, undefined, acquired)).toEqual({ table: 1, indexes: 1 });

    await store.release(lease, { owner: 'runner-a', epoch: 1, tokens: ['a0'] }, Date.now());
    const released = await image(lease);
    expect(writeCost(tables.leases, acquired, released)).toEqual({ table: 1, indexes: 1 });

    await store.acquire(lease, { state: 'released', epoch: 1 }, { owner: 'runner-b', renewToken: 'b0', now: Date.now() });
    const taken = await image(lease);
    expect(writeCost(tables.leases, released, taken)).toEqual({ table: 1, indexes: 1 });
  });

  it('keeps only keys in the owner index', async () => {
    await held('runner-k');
    const out = await aws.clients.dynamo.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :owner',
        ExpressionAttributeValues: { ':owner': { S: ownerPartition('runner-k') } },
      }),
    );
    expect(out.Items).toHaveLength(1);
    expect(Object.keys(out.Items?.[0] ?? {}).sort()).toEqual(['gsi1pk', 'gsi1sk', 'pk', 'sk']);
  });

  it('lists the leases an owner holds as whole items, read consistently from the table', async () => {
    const [first, second] = [await held('runner-h', 'h1'), await held('runner-h', 'h2')];
    const other = await held('runner-x');
    await store.release(second, { owner: 'runner-h', epoch: 1, tokens: ['h2'] }, Date.now());
    await store.renew(first, { owner: 'runner-h', epoch: 1, tokens: ['h1'] }, 'h1b', Date.now());

    const listed = await store.heldBy('runner-h');

    expect(listed).toEqual([expect.objectContaining({ pk: first.pk, owner: 'runner-h', epoch: 1, renewToken: 'h1b', kind: 'session', slot: 3 })]);
    expect((await store.heldBy('runner-x')).map((item) => item.pk)).toEqual([other.pk]);
    expect(await store.heldBy('runner-nobody')).toEqual([]);
  });
});
