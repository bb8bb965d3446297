/**
 * CSV recipient imports on the `imports` bucket: the API hands out a presigned PUT URL for
 * `imports/{tenantId}/{importId}.csv`, the tenant uploads the file there directly (no size limit of the API
 * in the way), and campaign creation streams it back chunk by chunk. The key starts with the tenant, and an
 * import is only ever looked up under the caller's tenant: another tenant's import id is simply not found.
 * The bucket's lifecycle rule expires uploads after a few days.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Clock } from '../clock.ts';
import { DependencyError, PayloadTooLargeError } from '../errors.ts';
import { isId, newId } from '../ids.ts';
import { isTransportError } from '../aws/dynamo-table.ts';

export interface ImportUpload {
  readonly importId: string;
  readonly uploadUrl: string;
  readonly expiresAt: string;
  readonly maxBytes: number;
}

export interface RecipientImports {
  /** A fresh import id and the URL to PUT the CSV to. */
  createUpload(tenantId: string): Promise<ImportUpload>;
  /** The uploaded file as a byte stream, or undefined when there is no such import for this tenant. */
  open(tenantId: string, importId: string): Promise<AsyncIterable<Uint8Array> | undefined>;
}

export interface ImportOptions {
  readonly maxBytes: number;
  readonly urlTtlSeconds: number;
}

export function importKey(tenantId: string, importId: string): string {
  return `imports/${tenantId}/${importId}.csv`;
}

export class S3RecipientImports implements RecipientImports {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly clock: Clock,
    private readonly options: ImportOptions,
  ) {}

  async createUpload(tenantId: string): Promise<ImportUpload> {
    const now = this.clock.now();
    const importId = newId(now);
    const uploadUrl = await getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket, Key: importKey(tenantId, importId) }), {
      expiresIn: this.options.urlTtlSeconds,
    });
    return {
      importId,
      uploadUrl,
      expiresAt: new Date(now + this.options.urlTtlSeconds * 1000).toISOString(),
      maxBytes: this.options.maxBytes,
    };
  }

  async open(tenantId: string, importId: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    if (!isId(importId)) return undefined;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: importKey(tenantId, importId) }));
      const body = out.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
      if ((out.ContentLength ?? 0) > this.options.maxBytes) {
        body?.destroy?.();
        throw new PayloadTooLargeError(`The import is larger than ${this.options.maxBytes} bytes`, 'import_too_large');
      }
      return body ?? (async function* () {})();
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
      if (isTransportError(error) || (error as { $retryable?: unknown }).$retryable) {
        throw new DependencyError('s3', (error as Error).message ?? 'request failed', error);
      }
      throw error;
    }
  }
}
