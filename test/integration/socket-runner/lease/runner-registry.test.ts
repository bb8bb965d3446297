// Runner heartbeats live in one partition of the leases table, outside the keys-only owner index: peers
// read every heartbeat in one query, and a heartbeat costs the table write alone.
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTable } from '../../../../core/aws/tables.ts';
import type { Clock } from '../../../../core/clock.ts';
import { tableNameFromEnv } from '../../../../core/resource-config.ts';
import { tables } from '../../../../core/resources.ts';
import { RUNNERS_PARTITION, RunnerRegistry } from '../../../../socket-runner/lease/runner-registry.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';
import { writeCost } from './dynamodb-capacity.ts';

const TTL_MS = 15_000;

describe('RunnerRegistry on the real leases table', () => {
  let aws: AwsFixture;
  let now = Date.parse('2026-11-21T12:00:00Z');
  const clock: Clock = { now: () => now, monotonic: () => now };
  let registry: RunnerRegistry;

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 1 });
    registry = new RunnerRegistry(openTable(aws.clients.doc, 'leases', aws.env), clock, TTL_MS);
  });
  afterAll(() => aws.close());

  it('lists the runners whose heartbeat is current, with what each reported', async () => {
    await registry.beat('runner-old', { slot: 0, owned: 4, draining: false });
    now += TTL_MS; // runner-old's heartbeat no longer vouches for it
    await registry.beat('runner-a', { slot: 1, owned: 7, draining: false });
    await registry.beat('runner-b', { owned: 0, draining: true });

    const live = await registry.live();

    expect(live.sort((x, y) => x.runnerId.localeCompare(y.runnerId))).toEqual([
      { runnerId: 'runner-a', slot: 1, owned: 7, draining: false, heartbeatAt: now, liveUntil: now + TTL_MS },
      { runnerId: 'runner-b', slot: undefined, owned: 0, draining: true, heartbeatAt: now, liveUntil: now + TTL_MS },
    ]);
  });

  it('forgets a runner that removed its heartbeat on a graceful exit', async () => {
    await registry.beat('runner-leaving', { slot: 0, owned: 0, draining: true });
    await registry.remove('runner-leaving');
    expect((await registry.live()).map((runner) => runner.runnerId)).not.toContain('runner-leaving');
  });

  it('costs one write unit per heartbeat: the heartbeat is in no index', async () => {
    const image = async () =>
      (
        await aws.clients.dynamo.send(
          new GetItemCommand({
            TableName: tableNameFromEnv('leases', aws.env),
            Key: { pk: { S: RUNNERS_PARTITION }, sk: { S: 'runner-c' } },
            ConsistentRead: true,
          }),
        )
      ).Item;
    await registry.beat('runner-c', { slot: 0, owned: 1, draining: false });
    const before = await image();
    now += 5_000;
    await registry.beat('runner-c', { slot: 0, owned: 2, draining: false });
    const after = await image();

    expect(after?.owned).toEqual({ N: '2' });
    expect(writeCost(tables.leases, before, after)).toEqual({ table: 1, indexes: 0 });
  });
});
