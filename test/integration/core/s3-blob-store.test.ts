import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore } from '../../../core/aws/s3-blob-store.ts';
import { bucketNameFromEnv } from '../../../core/resource-config.ts';
import { buckets } from '../../../core/resources.ts';
import { provisionedAws, type AwsFixture } from '../../support/aws-fixture.ts';

describe('S3BlobStore on s3rver', () => {
  let aws: AwsFixture;
  let store: S3BlobStore;

  beforeAll(async () => {
    aws = await provisionedAws();
    store = new S3BlobStore(aws.clients.s3, bucketNameFromEnv(buckets.credentials, aws.env));
  });
  afterAll(() => aws.close());

  it('round-trips bytes exactly, and answers undefined for a missing key', async () => {
    const bytes = Buffer.from([0, 255, 1, 254, 0x80, 0x7f]);
    await store.put('sessions/t1/s1/e1/s1', bytes);
    expect(await store.get('sessions/t1/s1/e1/s1')).toEqual(bytes);
    expect(await store.get('sessions/t1/s1/e1/nope')).toBeUndefined();
  });

  it('lists keys under a prefix in key order, with sizes', async () => {
    await store.put('list/b', 'bb');
    await store.put('list/a', 'a');
    await store.put('list-other/c', 'ccc');
    const listed = await store.list('list/');
    expect(listed.map(({ key, size }) => ({ key, size }))).toEqual([
      { key: 'list/a', size: 1 },
      { key: 'list/b', size: 2 },
    ]);
  });

  it('lists past one page of results', async () => {
    const keys = Array.from({ length: 1005 }, (_, i) => `many/${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 50) await Promise.all(keys.slice(i, i + 50).map((key) => store.put(key, 'x')));
    expect((await store.list('many/')).map((blob) => blob.key)).toEqual(keys);
  });

  it('deletes everything under a prefix and nothing else', async () => {
    await store.put('gone/1', '1');
    await store.put('gone/2/deeper', '2');
    await store.put('kept/1', '1');
    expect(await store.deletePrefix('gone/')).toBe(2);
    expect(await store.list('gone/')).toEqual([]);
    expect(await store.get('kept/1')).toEqual(Buffer.from('1'));
  });
});
