import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proto, type AuthenticationCreds, type KeyPair } from '@whiskeysockets/baileys';
import { S3BlobStore } from '../../../../core/aws/s3-blob-store.ts';
import { openTable } from '../../../../core/aws/tables.ts';
import { DynamoTable } from '../../../../core/aws/dynamo-table.ts';
import { systemClock } from '../../../../core/clock.ts';
import { createLogger } from '../../../../core/logger.ts';
import { bucketNameFromEnv, buckets, tables } from '../../../../core/resource-config.ts';
import { FencedError, type OwnedSession } from '../../../../socket-runner/contracts.ts';
import { encodeJson } from '../../../../socket-runner/auth/auth-codec.ts';
import { authPartition, keySortKey } from '../../../../socket-runner/auth/auth-store.ts';
import { backupPrefix } from '../../../../socket-runner/auth/credential-backups.ts';
import {
  openAuthState,
  purgeAuthState,
  type AuthStateDeps,
  type AuthStateOptions,
} from '../../../../socket-runner/auth/dynamodb-auth-state.ts';
import { provisionedAws, type AwsFixture } from '../../../support/aws-fixture.ts';

let n = 0;

function owned(sessionId: string, epoch: number, valid = { value: true }): OwnedSession {
  return { tenantId: 'tenant-a', sessionId, slot: 0, epoch, lost: new AbortController().signal, isValid: () => valid.value };
}

function paired(creds: AuthenticationCreds): void {
  creds.me = { id: '15550001111:1@s.whatsapp.net', name: 'Test' };
  creds.registered = true;
}

function keyPair(seed: number): KeyPair {
  return { public: Buffer.alloc(33, seed), private: Buffer.alloc(32, seed + 1) };
}

describe('DynamoDB auth state (socket-runner/auth)', () => {
  let aws: AwsFixture;
  let table: DynamoTable;
  let blobs: S3BlobStore;
  const fenced: FencedError[] = [];

  function deps(options: Partial<AuthStateOptions> = {}): AuthStateDeps {
    return { table, blobs, clock: systemClock, logger: createLogger('test'), options, onFenced: (error) => fenced.push(error) };
  }

  beforeAll(async () => {
    aws = await provisionedAws({ slotCount: 1 });
    table = openTable(aws.clients.doc, 'auth', aws.env);
    blobs = new S3BlobStore(aws.clients.s3, bucketNameFromEnv(buckets.credentials, aws.env));
  });
  afterAll(() => aws.close());

  it('round-trips creds and Signal keys through Baileys\' types', async () => {
    const sessionId = `s${++n}`;
    const first = await openAuthState(deps({ backupIntervalMs: Number.MAX_SAFE_INTEGER }), owned(sessionId, 1));
    expect(first.source).toBe('fresh');
    expect(first.hasCredentials()).toBe(false);
    paired(first.state.creds);
    await first.saveCreds();
    const syncKey = proto.Message.AppStateSyncKeyData.fromObject({ keyData: Buffer.alloc(32, 7), timestamp: 1_700_000_000 });
    await first.state.keys.set({
      'pre-key': { '1': keyPair(1), '2': keyPair(2) },
      session: { '15550001111.0': new Uint8Array([1, 2, 3, 250]) },
      'app-state-sync-key': { AAAA: syncKey },
      'lid-mapping': { '15550001111': '99999@lid' },
    });
    await first.state.keys.set({ 'pre-key': { '2': null } });
    await first.flush();

    const second = await openAuthState(deps(), owned(sessionId, 2));
    expect(second.source).toBe('stored');
    expect(second.hasCredentials()).toBe(true);
    expect(second.state.creds.noiseKey.private).toEqual(first.state.creds.noiseKey.private);
    expect(Buffer.isBuffer(second.state.creds.signedIdentityKey.public)).toBe(true);
    expect(second.state.creds.me?.id).toBe('15550001111:1@s.whatsapp.net');
    const preKeys = await second.state.keys.get('pre-key', ['1', '2', '3']);
    expect(Object.keys(preKeys)).toEqual(['1']);
    expect(preKeys['1']?.private).toEqual(Buffer.alloc(32, 2));
    const sessions = await second.state.keys.get('session', ['15550001111.0']);
    expect(Buffer.from(sessions['15550001111.0'] as Uint8Array)).toEqual(Buffer.from([1, 2, 3, 250]));
    const sync = await second.state.keys.get('app-state-sync-key', ['AAAA']);
    expect(sync.AAAA).toBeInstanceOf(proto.Message.AppStateSyncKeyData);
    expect(Buffer.from(sync.AAAA?.keyData as Uint8Array)).toEqual(Buffer.alloc(32, 7));
    expect(await second.state.keys.get('lid-mapping', ['15550001111'])).toEqual({ '15550001111': '99999@lid' });
  });

  it('refuses a deposed owner\'s writes after a takeover: FencedError, nothing changed', async () => {
    const sessionId = `s${++n}`;
    const old = await openAuthState(deps(), owned(sessionId, 1));
    await old.state.keys.set({ session: { peer: new Uint8Array([1]) } });
    const successor = await openAuthState(deps(), owned(sessionId, 2)); // stamps creds with epoch 2
    await successor.state.keys.set({ session: { peer: new Uint8Array([2]) } });
    const credsBefore = await table.get({ pk: authPartition('tenant-a', sessionId), sk: 'creds' });

    fenced.length = 0;
    paired(old.state.creds);
    await expect(old.saveCreds()).rejects.toBeInstanceOf(FencedError);
    await expect(old.state.keys.set({ session: { peer: new Uint8Array([9]) } })).rejects.toBeInstanceOf(FencedError);
    await expect(old.backup()).rejects.toBeInstanceOf(FencedError);
    expect(fenced).toHaveLength(1); // reported once, then hard stop

    expect(await table.get({ pk: authPartition('tenant-a', sessionId), sk: 'creds' })).toEqual(credsBefore);
    const peer = await table.get({ pk: authPartition('tenant-a', sessionId), sk: keySortKey('session', 'peer') });
    expect(peer?.epoch).toBe(2);
    const fresh = await openAuthState(deps(), owned(sessionId, 3));
    expect(Buffer.from((await fresh.state.keys.get('session', ['peer'])).peer as Uint8Array)).toEqual(Buffer.from([2]));
    expect(fresh.hasCredentials()).toBe(false); // the deposed owner's pairing never landed
  });

  it('writes nothing once the lease can no longer be trusted', async () => {
    const sessionId = `s${++n}`;
    const valid = { value: true };
    const state = await openAuthState(deps(), owned(sessionId, 1, valid));
    valid.value = false;
    await expect(state.state.keys.set({ 'pre-key': { '5': keyPair(5) } })).rejects.toBeInstanceOf(FencedError);
    await expect(state.saveCreds()).rejects.toBeInstanceOf(FencedError);
    expect(await table.get({ pk: authPartition('tenant-a', sessionId), sk: keySortKey('pre-key', '5') })).toBeUndefined();
  });

  it('backs up to immutable keys, restores corrupt creds from the pointer, and keeps the last N', async () => {
    const sessionId = `s${++n}`;
    const state = await openAuthState(deps({ keepBackups: 3, backupIntervalMs: Number.MAX_SAFE_INTEGER }), owned(sessionId, 4));
    paired(state.state.creds);
    await state.state.keys.set({ 'app-state-sync-key': { K1: proto.Message.AppStateSyncKeyData.fromObject({ keyData: Buffer.alloc(32, 3) }) } });
    for (let i = 0; i < 5; i++) await state.backup();
    const keys = (await blobs.list(backupPrefix('tenant-a', sessionId))).map((blob) => blob.key);
    expect(keys.sort()).toEqual([3, 4, 5].map((seq) => `sessions/tenant-a/${sessionId}/e4/s${seq}`));
    expect(await table.get({ pk: authPartition('tenant-a', sessionId), sk: 'backup' })).toMatchObject({ epoch: 4, seq: 5 });

    // Corrupt the stored creds and lose an app-state key: the next owner restores both from the backup.
    await table.put({ pk: authPartition('tenant-a', sessionId), sk: 'creds', epoch: 4, data: Buffer.from('not gzip at all') });
    await table.delete({ pk: authPartition('tenant-a', sessionId), sk: keySortKey('app-state-sync-key', 'K1') });
    const restored = await openAuthState(deps(), owned(sessionId, 5));
    expect(restored.source).toBe('backup');
    expect(restored.hasCredentials()).toBe(true);
    expect(restored.state.creds.noiseKey.private).toEqual(state.state.creds.noiseKey.private);
    const sync = await restored.state.keys.get('app-state-sync-key', ['K1']);
    expect(Buffer.from(sync.K1?.keyData as Uint8Array)).toEqual(Buffer.alloc(32, 3));
    // The restored creds were written back, stamped with the new epoch: the next open uses them directly.
    expect((await openAuthState(deps(), owned(sessionId, 6))).source).toBe('stored');
  });

  it('restores missing creds from an older backup when the pointed-to one is unreadable', async () => {
    const sessionId = `s${++n}`;
    const state = await openAuthState(deps({ backupIntervalMs: Number.MAX_SAFE_INTEGER }), owned(sessionId, 1));
    paired(state.state.creds);
    await state.backup();
    await state.backup();
    await blobs.put(`sessions/tenant-a/${sessionId}/e1/s2`, Buffer.from('garbage'));
    await table.delete({ pk: authPartition('tenant-a', sessionId), sk: 'creds' });

    const restored = await openAuthState(deps(), owned(sessionId, 2));
    expect(restored.source).toBe('backup');
    expect(restored.state.creds.me?.id).toBe(state.state.creds.me?.id);
  });

  it('starts fresh (a new QR) when creds are corrupt and there is no backup', async () => {
    const sessionId = `s${++n}`;
    await table.put({ pk: authPartition('tenant-a', sessionId), sk: 'creds', epoch: 1, data: Buffer.from(encodeJson({ half: true })) });
    const state = await openAuthState(deps(), owned(sessionId, 2));
    expect(state.source).toBe('fresh');
    expect(state.hasCredentials()).toBe(false);
  });

  it('backs up by itself right after pairing', async () => {
    const sessionId = `s${++n}`;
    const state = await openAuthState(deps(), owned(sessionId, 1));
    expect(await blobs.list(backupPrefix('tenant-a', sessionId))).toEqual([]);
    paired(state.state.creds);
    await state.saveCreds();
    await expect.poll(async () => (await blobs.list(backupPrefix('tenant-a', sessionId))).length).toBe(1);
    await state.saveCreds();
    await state.flush();
    expect(await blobs.list(backupPrefix('tenant-a', sessionId))).toHaveLength(1); // not again within the interval
  });

  it('coalesces creds saves: a burst becomes at most two writes', async () => {
    const sessionId = `s${++n}`;
    class CountingTable extends DynamoTable {
      puts = 0;
      override put(...args: Parameters<DynamoTable['put']>): Promise<void> {
        this.puts++;
        return super.put(...args);
      }
    }
    const counting = new CountingTable(aws.clients.doc, table.name, tables.auth);
    const state = await openAuthState({ ...deps(), table: counting }, owned(sessionId, 1));
    counting.puts = 0;
    state.state.creds.nextPreKeyId = 42;
    await Promise.all(Array.from({ length: 20 }, () => state.saveCreds()));
    expect(counting.puts).toBeLessThanOrEqual(2);
    const again = await openAuthState(deps(), owned(sessionId, 2));
    expect(again.state.creds.nextPreKeyId).toBe(42);
  });

  it('purges every auth item and backup of a session, and only that session', async () => {
    const [doomed, kept] = [`s${++n}`, `s${++n}`];
    for (const sessionId of [doomed, kept]) {
      const state = await openAuthState(deps({ backupIntervalMs: Number.MAX_SAFE_INTEGER }), owned(sessionId, 1));
      paired(state.state.creds);
      await state.state.keys.set({ 'pre-key': { '1': keyPair(1) } });
      await state.backup();
    }
    expect(await purgeAuthState({ table, blobs }, 'tenant-a', doomed)).toEqual({ items: 3, backups: 1 });
    expect(await table.queryAll({ partition: authPartition('tenant-a', doomed) })).toEqual([]);
    expect(await blobs.list(backupPrefix('tenant-a', doomed))).toEqual([]);
    expect(await table.queryAll({ partition: authPartition('tenant-a', kept) })).toHaveLength(3);
    expect(await blobs.list(backupPrefix('tenant-a', kept))).toHaveLength(1);
  });

  it('keeps the key cache within its byte budget', async () => {
    const sessionId = `s${++n}`;
    const state = await openAuthState(deps({ keyCacheBytes: 64 * 1024 }), owned(sessionId, 1));
    const batch: Record<string, Uint8Array> = {};
    for (let i = 0; i < 300; i++) batch[`peer-${i}`] = new Uint8Array(1024).fill(i % 256);
    await state.state.keys.set({ session: batch });
    await state.state.keys.get('session', Object.keys(batch));
    const keys = state.state.keys as unknown as { cachedBytes(): number };
    expect(keys.cachedBytes()).toBeGreaterThan(32 * 1024);
    expect(keys.cachedBytes()).toBeLessThanOrEqual(64 * 1024);
    // Evicted keys are still there: read through to DynamoDB.
    const oldest = await state.state.keys.get('session', ['peer-0']);
    expect(oldest['peer-0']?.[0]).toBe(0);
  });
});
