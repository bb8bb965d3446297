import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTable } from '../../../core/aws/tables.ts';
import type { DynamoTable } from '../../../core/aws/dynamo-table.ts';
import { ConditionFailedError, ValidationError } from '../../../core/errors.ts';
import { tables } from '../../../core/resources.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';

describe('DynamoTable on dynalite', () => {
  let aws: AwsFixture;
  let sessions: DynamoTable;

  beforeAll(async () => {
    aws = await provisionedAws();
    sessions = openTable(aws.clients.doc, 'sessions', aws.env);
  });
  afterAll(() => aws.close());

  it('creates once and refuses a second create with a domain error', async () => {
    await sessions.create({ pk: 'tenant-a', sk: 's1', status: 'created' });
    await expect(sessions.create({ pk: 'tenant-a', sk: 's1', status: 'open' })).rejects.toBeInstanceOf(ConditionFailedError);
    expect(await sessions.get({ pk: 'tenant-a', sk: 's1' })).toMatchObject({ status: 'created' });
  });

  it('applies conditional updates and reports the failed condition', async () => {
    await sessions.create({ pk: 'tenant-a', sk: 's2', version: 1 });
    const updated = await sessions.update(
      { pk: 'tenant-a', sk: 's2' },
      { set: { version: 2 }, append: { trail: ['x'] }, condition: { expression: 'version = :v', values: { ':v': 1 } } },
    );
    expect(updated).toMatchObject({ version: 2, trail: ['x'] });
    await expect(
      sessions.update({ pk: 'tenant-a', sk: 's2' }, { set: { version: 3 }, condition: { expression: 'version = :v', values: { ':v': 1 } } }),
    ).rejects.toBeInstanceOf(ConditionFailedError);
  });

  it('queries a sparse GSI and pages with cursors bound to their partition', async () => {
    for (const id of ['g1', 'g2', 'g3']) {
      await sessions.put({ pk: 'tenant-b', sk: id, gsi1pk: 'run-test', gsi1sk: id, epoch: 3, expiresAt: 1_900_000_000 });
    }
    await sessions.put({ pk: 'tenant-b', sk: 'g4' });
    const first = await sessions.query({ index: 'gsi1', partition: 'run-test', limit: 2 });
    expect(first.items.map((item) => item.sk)).toEqual(['g1', 'g2']);
    // The index returns what it projects (epoch is in the runnable index's INCLUDE list), nothing more.
    expect(first.items[0]?.epoch).toBe(3);
    expect(first.items[0]).not.toHaveProperty('expiresAt');
    const second = await sessions.query({ index: 'gsi1', partition: 'run-test', limit: 2, cursor: first.cursor });
    expect(second.items.map((item) => item.sk)).toEqual(['g3']);
    await expect(sessions.query({ partition: 'tenant-a', cursor: first.cursor })).rejects.toBeInstanceOf(ValidationError);
  });

  it('stores the TTL attribute as a number, so DynamoDB TTL can expire the item', async () => {
    // Prepare: an expiry in epoch seconds on the attribute the table declares for TTL.
    const ttl = tables.sessions.ttlAttribute;
    await sessions.put({ pk: 'tenant-c', sk: 'ttl', [ttl]: 1_900_000_000 });

    // Act: read the raw item, below the document client's conversions.
    const raw = await aws.clients.dynamo.send(new GetItemCommand({ TableName: sessions.name, Key: { pk: { S: 'tenant-c' }, sk: { S: 'ttl' } } }));

    // Assess: TTL only acts on a Number attribute in epoch seconds.
    expect(raw.Item?.[ttl]).toEqual({ N: '1900000000' });
  });

  it('lets readers hide items past their TTL before DynamoDB deletes them', async () => {
    // DynamoDB deletes expired items lazily (hours later; dynalite never): readers must filter on the attribute.
    const now = Math.floor(Date.now() / 1000);
    await sessions.put({ pk: 'tenant-d', sk: 'expired', expiresAt: now - 10 });
    await sessions.put({ pk: 'tenant-d', sk: 'live', expiresAt: now + 3600 });
    await sessions.put({ pk: 'tenant-d', sk: 'forever' });
    const page = await sessions.query({
      partition: 'tenant-d',
      filter: { expression: 'attribute_not_exists(#ttl) OR #ttl > :now', names: { '#ttl': 'expiresAt' }, values: { ':now': now } },
    });
    expect(page.items.map((item) => item.sk)).toEqual(['forever', 'live']);
  });
});
