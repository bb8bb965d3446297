/**
 * Baileys' `AuthenticationState` for one owned session, on DynamoDB (D5), fenced by the lease epoch (D4).
 *
 * Opening: creds and the backup pointer are read in one round trip. Usable creds are used as they are;
 * missing or corrupt creds are restored from the newest usable S3 backup when there is one, else the
 * session starts fresh (a new QR). Then the creds are written back stamped with this owner's epoch, which
 * raises the fence against every previous owner before Baileys runs.
 *
 * Saving: `saveCreds` coalesces (at most one write in flight and one queued, the queued one taking the
 * latest state). Once the session is paired, a backup is written after a creds save at most every
 * `backupIntervalMs` (right after pairing, the first one).
 *
 * A FencedError from any write is reported once through `onFenced` (the runner then abandons the lease,
 * which aborts `owned.lost`) and rethrown: hard stop, never reconnect.
 */
import { initAuthCreds, type AuthenticationCreds } from '@whiskeysockets/baileys';
import type { DynamoTable } from '../../core/aws/dynamo-table.ts';
import type { S3BlobStore } from '../../core/aws/s3-blob-store.ts';
import type { Clock } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { FencedError, type OwnedSession, type SessionAuthState } from '../contracts.ts';
import { decodeCreds, isPaired, packBlob } from './auth-codec.ts';
import { AuthStore, authPartition } from './auth-store.ts';
import { backupPrefix, CredentialBackups } from './credential-backups.ts';
import { sessionLog, type SessionLog } from './session-log.ts';
import { DynamoSignalKeyStore } from './signal-key-store.ts';

export interface AuthStateOptions {
  /** LRU budget for Signal keys per session, bytes. */
  readonly keyCacheBytes: number;
  /** Key writes in flight per session. */
  readonly writeConcurrency: number;
  /** Backups kept per session. */
  readonly keepBackups: number;
  /** Minimum time between automatic backups of a paired session. */
  readonly backupIntervalMs: number;
}

export const DEFAULT_AUTH_STATE_OPTIONS: AuthStateOptions = {
  keyCacheBytes: 128 * 1024,
  writeConcurrency: 8,
  keepBackups: 5,
  backupIntervalMs: 60 * 60 * 1000,
};

export interface AuthStateDeps {
  /** The auth table. */
  readonly table: DynamoTable;
  /** The credentials bucket. */
  readonly blobs: S3BlobStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly options?: Partial<AuthStateOptions>;
  /** Told once when a write finds a newer owner (wire it to abandoning the lease). */
  readonly onFenced?: (error: FencedError) => void;
}

export type CredsSource = 'stored' | 'backup' | 'fresh';

export interface OpenedAuthState extends SessionAuthState {
  /** Where the creds came from on open (stored as they were, restored from a backup, or new). */
  readonly source: CredsSource;
}

/** Opens the auth state of a session this runner owns. Throws FencedError if a newer owner exists. */
export async function openAuthState(deps: AuthStateDeps, owned: OwnedSession): Promise<OpenedAuthState> {
  const options = { ...DEFAULT_AUTH_STATE_OPTIONS, ...deps.options };
  const logger = sessionLog(deps.logger, { tenantId: owned.tenantId, sessionId: owned.sessionId, epoch: owned.epoch });
  const store = new AuthStore(deps.table, owned);
  const backups = new CredentialBackups({
    blobs: deps.blobs,
    store,
    tenantId: owned.tenantId,
    sessionId: owned.sessionId,
    epoch: owned.epoch,
    keep: options.keepBackups,
    now: () => deps.clock.now(),
    logger,
  });

  const { creds: stored, pointer } = await store.readCredsAndPointer();
  let creds = decodeCreds(stored?.data);
  let source: CredsSource = 'stored';
  if (!creds) {
    if (stored) logger.error('auth.creds.corrupt', { hasBackupPointer: Boolean(pointer) });
    const restored = stored || pointer ? await backups.restore(pointer) : undefined;
    if (restored) {
      creds = restored.creds;
      source = 'backup';
      for (const [type, entries] of Object.entries(restored.keys)) {
        for (const [id, text] of Object.entries(entries)) await store.writeKeyIfAbsent(type, id, text);
      }
    } else {
      if (stored || pointer) logger.error('auth.creds.unrecoverable', {});
      creds = initAuthCreds();
      source = 'fresh';
    }
  }
  const state = new DynamoAuthState(store, backups, creds, source, options, deps, logger, pointer?.createdAt);
  await state.saveCreds(); // stamps this epoch: the fence against every previous owner
  logger.info('auth.opened', { source, paired: isPaired(creds) });
  return state;
}

class DynamoAuthState implements OpenedAuthState {
  readonly state: { creds: AuthenticationCreds; keys: DynamoSignalKeyStore };
  private credsChain: Promise<void> = Promise.resolve();
  private queuedSave?: Promise<void>;
  private backupChain: Promise<void> = Promise.resolve();
  private fencedReported = false;

  constructor(
    private readonly store: AuthStore,
    private readonly backups: CredentialBackups,
    creds: AuthenticationCreds,
    readonly source: CredsSource,
    private readonly options: AuthStateOptions,
    private readonly deps: AuthStateDeps,
    private readonly logger: SessionLog,
    private lastBackupAt: number | undefined,
  ) {
    const keys = new DynamoSignalKeyStore(store, {
      cacheBytes: options.keyCacheBytes,
      writeConcurrency: options.writeConcurrency,
      onWriteError: (error) => this.reportFenced(error),
    });
    this.state = { creds, keys };
  }

  hasCredentials(): boolean {
    return isPaired(this.state.creds);
  }

  /** Persists the current creds (fenced). Coalesces: callers during a write share the next one. */
  saveCreds(): Promise<void> {
    if (this.queuedSave) return this.queuedSave;
    const queued = this.credsChain.then(async () => {
      this.queuedSave = undefined;
      await this.store.writeCreds(packBlob(this.state.creds));
      this.maybeBackUp();
    });
    this.queuedSave = queued;
    this.credsChain = queued.catch(() => undefined);
    return queued.catch((error: unknown) => this.failed(error));
  }

  async flush(): Promise<void> {
    await Promise.all([this.credsChain, this.state.keys.flush()]);
  }

  /**
   * Saves the creds (fenced: a deposed owner stops here, before touching S3 or the pointer, even when no
   * pointer exists yet to fail against), then writes the backup and commits its pointer.
   */
  backup(): Promise<void> {
    const run = this.backupChain.then(async () => {
      this.lastBackupAt = this.deps.clock.now();
      await this.saveCreds();
      await this.backups.write(this.state.creds);
    });
    this.backupChain = run.catch(() => undefined);
    return run.catch((error: unknown) => this.failed(error));
  }

  private maybeBackUp(): void {
    if (!this.hasCredentials()) return;
    const due = this.lastBackupAt === undefined || this.deps.clock.now() - this.lastBackupAt >= this.options.backupIntervalMs;
    if (!due) return;
    this.backup().catch((error: unknown) => this.logger.warn('auth.backup.failed', { error: String(error) }));
  }

  private failed(error: unknown): never {
    this.reportFenced(error);
    throw error;
  }

  private reportFenced(error: unknown): void {
    if (!(error instanceof FencedError) || this.fencedReported) return;
    this.fencedReported = true;
    this.logger.error('auth.fenced', { epoch: error.epoch });
    this.deps.onFenced?.(error);
  }
}

/** Removes a session's auth items and every backup (after logout or deletion). Unfenced: it is the end. */
export async function purgeAuthState(
  deps: { readonly table: DynamoTable; readonly blobs: S3BlobStore },
  tenantId: string,
  sessionId: string,
): Promise<{ items: number; backups: number }> {
  const items = await deps.table.queryAll({ partition: authPartition(tenantId, sessionId), consistent: true });
  await deps.table.writeMany(
    [],
    items.map((item) => ({ pk: String(item.pk), sk: String(item.sk) })),
  );
  const backups = await deps.blobs.deletePrefix(backupPrefix(tenantId, sessionId));
  return { items: items.length, backups };
}
