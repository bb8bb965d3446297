// What a placement tick reads: every runner pages through the runnable index (sessions gsi1) each tick.
// The same sessions are indexed twice — by the real table (INCLUDE: keys + ownerRunnerId, epoch,
// deletedAt) and by a twin that projects ALL, as the table did before — and the bytes and read units of a
// full listing are compared. Read units are computed with DynamoDB's documented rules and checked against
// what dynalite reports for the index. Also: which owner writes still write the index.
import { CreateTableCommand, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTable } from '../../../../core/aws/dynamo-table.ts';
import { openTable } from '../../../../core/aws/tables.ts';
import type { Clock } from '../../../../core/clock.ts';
import { DEFAULT_PACING, RUNNABLE_PARTITION } from '../../../../core/domain/session.ts';
import { newId } from '../../../../core/ids.ts';
import { tableNameFromEnv } from '../../../../core/resource-config.ts';
import { RUNNABLE_INDEX_ATTRIBUTES, tables, type TableDefinition } from '../../../../core/resources.ts';
import { SessionRepository } from '../../../../core/sessions/session-repository.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';
import { itemSize, queryPageReadUnits, writeCost, type RawItem } from '../lease/dynamodb-capacity.ts';

const SESSIONS = 200;
const TENANTS = 30;
/** Placement's page size (placement.ts). */
const PAGE_SIZE = 500;
const clock: Clock = { now: () => Date.parse('2026-11-21T12:00:00Z'), monotonic: () => performance.now() };
/** A runner id as config.ts makes one on Fargate: `runner-{hostname ≤ 32}-{randomToken(6)}`. */
const RUNNER_ID = 'runner-ip-10-0-143-27.ec2.internal-k3J9xQ2a';

const sessionsWithAllProjection: TableDefinition = {
  ...tables.sessions,
  indexes: tables.sessions.indexes.map((index) => ({ ...index, projection: { type: 'ALL' } })),
};

interface Listing {
  readonly entries: RawItem[];
  readonly bytes: number;
  readonly readUnits: number;
  readonly reportedReadUnits: number;
}

describe('the runnable index a placement tick reads', () => {
  let aws: AwsFixture;
  let repository: SessionRepository;
  let tableName: string;
  let twinName: string;
  const figures: string[] = [];

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 1 });
    repository = new SessionRepository(openTable(aws.clients.doc, 'sessions', aws.env), clock);
    tableName = tableNameFromEnv('sessions', aws.env);
    twinName = `${tableName}-all-projection`;
    const keys = await seedOpenSessions();
    await createTwinWithAllProjection();
    const items = await openTable(aws.clients.doc, 'sessions', aws.env).getMany(keys);
    await new DynamoTable(aws.clients.doc, twinName, tables.sessions).writeMany(items);
  }, 60_000);
  afterAll(() => {
    if (figures.length) console.info(`runnable index cost\n  ${figures.join('\n  ')}`);
    aws.close();
  });

  /** Steady state: every session open on a runner, paired, with a past disconnect on record. */
  async function seedOpenSessions(): Promise<{ pk: string; sk: string }[]> {
    const tenants = Array.from({ length: TENANTS }, () => newId());
    const keys = Array.from({ length: SESSIONS }, (_, i) => ({ pk: tenants[i % TENANTS] as string, sk: newId() }));
    for (let i = 0; i < keys.length; i += 25) {
      await Promise.all(
        keys.slice(i, i + 25).map(async ({ pk: tenantId, sk: sessionId }, j) => {
          await repository.create({ tenantId, sessionId, name: `Support line ${i + j}`, pacing: DEFAULT_PACING });
          await repository.updateFromOwner(tenantId, sessionId, 12, {
            status: 'open',
            ownerRunnerId: RUNNER_ID,
            slot: 7,
            phoneNumber: '4915123456789',
            lastDisconnect: { code: 515, reason: 'restart_required', at: '2026-11-21T11:58:00.000Z' },
          });
        }),
      );
    }
    return keys;
  }

  async function createTwinWithAllProjection(): Promise<void> {
    const [index] = tables.sessions.indexes;
    await aws.clients.dynamo.send(
      new CreateTableCommand({
        TableName: twinName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', index.partitionKey, index.sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: index.name,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );
  }

  /** Every entry of the runnable partition, page by page as placement reads it. */
  async function listRunnable(table: string): Promise<Listing> {
    const entries: RawItem[] = [];
    let readUnits = 0;
    let reportedReadUnits = 0;
    let start: RawItem | undefined;
    do {
      const page = await aws.clients.dynamo.send(
        new QueryCommand({
          TableName: table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :runnable',
          ExpressionAttributeValues: { ':runnable': { S: RUNNABLE_PARTITION } },
          Limit: PAGE_SIZE,
          ExclusiveStartKey: start,
          ReturnConsumedCapacity: 'INDEXES',
        }),
      );
      entries.push(...(page.Items ?? []));
      readUnits += queryPageReadUnits(page.Items ?? []);
      reportedReadUnits += page.ConsumedCapacity?.GlobalSecondaryIndexes?.gsi1?.CapacityUnits ?? NaN;
      start = page.LastEvaluatedKey;
    } while (start);
    return { entries, bytes: entries.reduce((sum, entry) => sum + itemSize(entry), 0), readUnits, reportedReadUnits };
  }

  /** Read units of one tick over `count` sessions, pages of PAGE_SIZE entries of `bytesPerEntry`. */
  const tickReadUnits = (count: number, bytesPerEntry: number) =>
    Math.floor(count / PAGE_SIZE) * Math.ceil((PAGE_SIZE * bytesPerEntry) / 4096) * 0.5 + Math.ceil(((count % PAGE_SIZE) * bytesPerEntry) / 4096) * 0.5;

  it('holds only the keys and what placement reads, and a tick reads several times fewer bytes than with ALL', async () => {
    const [projected, all] = [await listRunnable(tableName), await listRunnable(twinName)];

    expect(projected.entries).toHaveLength(SESSIONS);
    expect(all.entries).toHaveLength(SESSIONS);
    const allowed = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', ...RUNNABLE_INDEX_ATTRIBUTES]);
    for (const entry of projected.entries) expect(Object.keys(entry).filter((name) => !allowed.has(name))).toEqual([]);
    expect(Object.keys(all.entries[0] ?? {})).toEqual(expect.arrayContaining(['status', 'pacing', 'phoneNumber', 'lastDisconnect']));
    // The documented rule and the emulator agree on what the listing costs.
    expect(projected.readUnits).toBe(projected.reportedReadUnits);
    expect(all.readUnits).toBe(all.reportedReadUnits);

    const [before, after] = [all.bytes / SESSIONS, projected.bytes / SESSIONS];
    expect(after * 3).toBeLessThan(before);
    figures.push(
      `bytes per indexed session: ALL ${before.toFixed(0)} B, INCLUDE ${after.toFixed(0)} B (${(before / after).toFixed(1)}x fewer)`,
      `read units per tick, ${SESSIONS} sessions (measured): ALL ${all.readUnits}, INCLUDE ${projected.readUnits}`,
      ...[1_000, 10_000].map(
        (count) => `read units per tick per runner, ${count} sessions: ALL ${tickReadUnits(count, before)}, INCLUDE ${tickReadUnits(count, after)}`,
      ),
    );
  });

  it('is written by claims, releases and deletions, no longer by status, QR or disconnect writes', async () => {
    const image = async (key: { tenantId: string; sessionId: string }): Promise<RawItem | undefined> =>
      (
        await aws.clients.dynamo.send(
          new GetItemCommand({ TableName: tableName, Key: { pk: { S: key.tenantId }, sk: { S: key.sessionId } }, ConsistentRead: true }),
        )
      ).Item;
    const session = { tenantId: newId(), sessionId: newId() };
    await repository.create({ ...session, pacing: DEFAULT_PACING });
    const steps: [string, () => Promise<unknown>, { projected: number; all: number }][] = [
      ['claim', () => repository.updateFromOwner(session.tenantId, session.sessionId, 1, { ownerRunnerId: RUNNER_ID, slot: 0 }), { projected: 1, all: 1 }],
      ['status', () => repository.updateFromOwner(session.tenantId, session.sessionId, 1, { status: 'connecting' }), { projected: 0, all: 1 }],
      ['qr', () => repository.updateFromOwner(session.tenantId, session.sessionId, 1, { status: 'qr', qr: '2@abc,def' }), { projected: 0, all: 1 }],
      [
        'disconnect',
        () =>
          repository.updateFromOwner(session.tenantId, session.sessionId, 1, {
            status: 'reconnecting',
            lastDisconnect: { code: 428, reason: 'connection_closed', at: '2026-11-21T12:00:00.000Z' },
          }),
        { projected: 0, all: 1 },
      ],
      ['release', () => repository.updateFromOwner(session.tenantId, session.sessionId, 1, { ownerRunnerId: null, slot: null }), { projected: 1, all: 1 }],
      ['delete', () => repository.markDeleted(session.tenantId, session.sessionId), { projected: 1, all: 1 }],
    ];
    const costs: Record<string, { projected: number; all: number }> = {};
    const expected: Record<string, { projected: number; all: number }> = {};
    for (const [name, write, cost] of steps) {
      const before = await image(session);
      await write();
      const after = await image(session);
      costs[name] = { projected: writeCost(tables.sessions, before, after).indexes, all: writeCost(sessionsWithAllProjection, before, after).indexes };
      expected[name] = cost;
    }
    expect(costs).toEqual(expected);
  });
});
