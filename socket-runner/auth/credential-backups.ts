/**
 * Credential backups in S3 (D5): immutable keys `sessions/{tenantId}/{sessionId}/e{epoch}/s{seq}` (s3rver has
 * no versioning, and immutable keys need none), each committed by moving the `backup` pointer in the auth
 * table forward with a conditional write, then rotated to the newest `keep`. A backup holds the creds plus
 * the app-state sync keys: enough to reconnect as the same linked device without a QR.
 *
 * A deposed owner can at worst leave an orphan object under its own epoch: its pointer commit is refused
 * (FencedError) and rotation deletes the orphan later. Restore reads the pointer's object first, then every
 * other backup newest first, and takes the first that decodes to usable creds.
 */
import type { AuthenticationCreds } from '@whiskeysockets/baileys';
import type { S3BlobStore } from '../../core/aws/s3-blob-store.ts';
import { isUsableCreds, packBlob, unpackBlob } from './auth-codec.ts';
import type { AuthStore, BackupPointer } from './auth-store.ts';
import type { SessionLog } from './session-log.ts';

export const BACKED_UP_KEY_TYPES = ['app-state-sync-key'] as const;

export interface BackupContents {
  readonly v: 1;
  readonly epoch: number;
  readonly seq: number;
  readonly createdAt: number;
  readonly creds: AuthenticationCreds;
  /** Key type -> id -> serialized value (BufferJSON text, as stored in the auth table). */
  readonly keys: Record<string, Record<string, string>>;
}

export function backupPrefix(tenantId: string, sessionId: string): string {
  return `sessions/${tenantId}/${sessionId}/`;
}

export function backupKey(tenantId: string, sessionId: string, epoch: number, seq: number): string {
  return `${backupPrefix(tenantId, sessionId)}e${epoch}/s${seq}`;
}

function parseBackupKey(key: string): { epoch: number; seq: number } | undefined {
  const match = /\/e(\d+)\/s(\d+)$/.exec(key);
  return match ? { epoch: Number(match[1]), seq: Number(match[2]) } : undefined;
}

export interface CredentialBackupsOptions {
  readonly blobs: S3BlobStore;
  readonly store: AuthStore;
  readonly tenantId: string;
  readonly sessionId: string;
  readonly epoch: number;
  /** How many backups to keep (the pointed-to one is always kept). */
  readonly keep: number;
  readonly now: () => number;
  readonly logger: SessionLog;
}

export class CredentialBackups {
  private lastSeq?: number;

  constructor(private readonly options: CredentialBackupsOptions) {}

  /** Writes a backup of `creds` (+ app-state keys), commits the pointer, rotates. Returns the pointer. */
  async write(creds: AuthenticationCreds): Promise<BackupPointer> {
    const { blobs, store, tenantId, sessionId, epoch, now } = this.options;
    if (this.lastSeq === undefined) {
      const current = await store.readPointer();
      this.lastSeq = current?.epoch === epoch ? current.seq : 0;
    }
    const seq = ++this.lastSeq;
    const keys: Record<string, Record<string, string>> = {};
    for (const type of BACKED_UP_KEY_TYPES) keys[type] = Object.fromEntries(await store.readKeysOfType(type));
    const pointer: BackupPointer = { key: backupKey(tenantId, sessionId, epoch, seq), epoch, seq, createdAt: now() };
    const contents: BackupContents = { v: 1, epoch, seq, createdAt: pointer.createdAt, creds, keys };
    await blobs.put(pointer.key, packBlob(contents), 'application/gzip');
    const committed = await store.commitPointer(pointer);
    this.options.logger.info('auth.backup.written', { epoch, seq, committed });
    await this.rotate(committed ? pointer.key : undefined);
    return pointer;
  }

  /** The newest backup that decodes to usable creds, pointer first; undefined when there is none. */
  async restore(pointer: BackupPointer | undefined): Promise<BackupContents | undefined> {
    const { blobs, tenantId, sessionId, logger } = this.options;
    const listed = (await blobs.list(backupPrefix(tenantId, sessionId))).map((blob) => blob.key);
    const candidates = [...new Set([...(pointer ? [pointer.key] : []), ...newestFirst(listed)])];
    for (const key of candidates) {
      const bytes = await blobs.get(key);
      if (!bytes) continue;
      try {
        const contents = unpackBlob<BackupContents>(bytes);
        if (isUsableCreds(contents.creds)) {
          logger.warn('auth.backup.restored', { key: key.slice(key.lastIndexOf('/e')), fromPointer: key === pointer?.key });
          return contents;
        }
      } catch {
        // fall through to the next, older backup
      }
      logger.error('auth.backup.unusable', { key: key.slice(key.lastIndexOf('/e')) });
    }
    return undefined;
  }

  /** Deletes all but the newest `keep` backups, never the committed one. */
  private async rotate(protect: string | undefined): Promise<void> {
    const { blobs, tenantId, sessionId, keep } = this.options;
    const ordered = newestFirst((await blobs.list(backupPrefix(tenantId, sessionId))).map((blob) => blob.key));
    const doomed = ordered.slice(keep).filter((key) => key !== protect);
    if (doomed.length) await blobs.deleteMany(doomed);
  }
}

function newestFirst(keys: readonly string[]): string[] {
  return keys
    .map((key) => ({ key, at: parseBackupKey(key) }))
    .filter((entry): entry is { key: string; at: { epoch: number; seq: number } } => entry.at !== undefined)
    .sort((a, b) => b.at.epoch - a.at.epoch || b.at.seq - a.at.seq)
    .map((entry) => entry.key);
}
