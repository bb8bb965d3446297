/**
 * One session's items in the auth table (pk `tenantId#sessionId`): `creds` (packed creds), `key#{type}#{id}`
 * (one Signal key each, BufferJSON text) and `backup` (the pointer to the newest S3 backup).
 *
 * Fencing (D4). Every write is a single-item conditional write `epoch <= mine` that stamps the writer's epoch,
 * and is refused outright once this runner's lease can no longer be trusted (`owned.isValid()`):
 * - a new owner stamps `creds` with its epoch the moment it opens the session, so a deposed owner's next
 *   creds write (Baileys saves creds constantly) fails the condition: FencedError, hard stop;
 * - any key item the new owner has written is likewise safe from the deposed one;
 * - a key item only the deposed owner ever wrote carries no newer epoch to fail against; what protects it
 *   is that the deposed owner stopped writing before the takeover: its lease gate closes `selfFenceMs` after
 *   its last renewal's send time, while a contender waits a full L on its own clock (the margin L - 15 s
 *   absorbs clock-rate drift and in-flight latency; the SDK request timeout bounds the latter).
 * Why not a batch write checked against a fence item? BatchWriteItem cannot be conditional, so a batch that
 * passed the check can still land after the new owner raised the fence and overwrite keys the new owner
 * wrote; per-item conditions make that impossible, for the same write units (BatchWrite bills per item too).
 */
import type { DynamoTable, Expression } from '../../core/aws/dynamo-table.ts';
import { ConditionFailedError } from '../../core/errors.ts';
import { FencedError, type OwnedSession } from '../contracts.ts';

export const CREDS_SK = 'creds';
export const BACKUP_SK = 'backup';
const KEY_PREFIX = 'key#';

export function authPartition(tenantId: string, sessionId: string): string {
  return `${tenantId}#${sessionId}`;
}

export function keySortKey(type: string, id: string): string {
  return `${KEY_PREFIX}${type}#${id}`;
}

export interface BackupPointer {
  readonly key: string;
  readonly epoch: number;
  readonly seq: number;
  /** Wall-clock ms. */
  readonly createdAt: number;
}

export interface StoredCreds {
  readonly data?: Uint8Array;
  readonly epoch?: number;
}

/** Who may write: the owner's session and epoch, checked before every write. */
export type Writer = Pick<OwnedSession, 'tenantId' | 'sessionId' | 'epoch' | 'isValid'>;

export class AuthStore {
  readonly partition: string;

  constructor(
    private readonly table: DynamoTable,
    private readonly writer: Writer,
  ) {
    this.partition = authPartition(writer.tenantId, writer.sessionId);
  }

  /** Creds and backup pointer in one round trip (what opening a session needs). */
  async readCredsAndPointer(): Promise<{ creds?: StoredCreds; pointer?: BackupPointer }> {
    const items = await this.table.getMany([
      { pk: this.partition, sk: CREDS_SK },
      { pk: this.partition, sk: BACKUP_SK },
    ]);
    const creds = items.find((item) => item.sk === CREDS_SK);
    const pointer = items.find((item) => item.sk === BACKUP_SK);
    return {
      creds: creds ? { data: creds.data as Uint8Array | undefined, epoch: creds.epoch as number | undefined } : undefined,
      pointer: pointer ? toPointer(pointer) : undefined,
    };
  }

  async readPointer(): Promise<BackupPointer | undefined> {
    const item = await this.table.get({ pk: this.partition, sk: BACKUP_SK });
    return item ? toPointer(item) : undefined;
  }

  async writeCreds(data: Uint8Array): Promise<void> {
    await this.fenced(() => this.table.put({ pk: this.partition, sk: CREDS_SK, epoch: this.writer.epoch, data }, this.fence()));
  }

  /** Keys of one type by id (text as stored); missing ids are absent. */
  async readKeys(type: string, ids: readonly string[]): Promise<Map<string, string>> {
    const items = await this.table.getMany(ids.map((id) => ({ pk: this.partition, sk: keySortKey(type, id) })));
    const prefix = keySortKey(type, '');
    return new Map(items.map((item) => [String(item.sk).slice(prefix.length), String(item.data)]));
  }

  /** Every key of one type (small categories only, e.g. app-state sync keys for backups). */
  async readKeysOfType(type: string): Promise<Map<string, string>> {
    const prefix = keySortKey(type, '');
    const items = await this.table.queryAll({ partition: this.partition, sortBeginsWith: prefix, consistent: true });
    return new Map(items.map((item) => [String(item.sk).slice(prefix.length), String(item.data)]));
  }

  /** Writes (text) or deletes (null) one key, fenced. */
  async writeKey(type: string, id: string, data: string | null): Promise<void> {
    const key = { pk: this.partition, sk: keySortKey(type, id) };
    await this.fenced(() =>
      data === null ? this.table.delete(key, this.fence()) : this.table.put({ ...key, epoch: this.writer.epoch, data }, this.fence()),
    );
  }

  /** Writes a key only where none exists (restoring from a backup never overwrites newer state). */
  async writeKeyIfAbsent(type: string, id: string, data: string): Promise<boolean> {
    this.gate();
    try {
      await this.table.put(
        { pk: this.partition, sk: keySortKey(type, id), epoch: this.writer.epoch, data },
        { expression: 'attribute_not_exists(#pk)', names: { '#pk': 'pk' } },
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionFailedError) return false;
      throw error;
    }
  }

  /**
   * Moves the backup pointer forward to (epoch, seq). Returns false when a backup of this same epoch with
   * a higher sequence got there first; throws FencedError when a newer epoch owns the session.
   */
  async commitPointer(pointer: BackupPointer): Promise<boolean> {
    this.gate();
    try {
      await this.table.put(
        { pk: this.partition, sk: BACKUP_SK, ...pointer },
        {
          expression: 'attribute_not_exists(#epoch) OR #epoch < :epoch OR (#epoch = :epoch AND #seq < :seq)',
          names: { '#epoch': 'epoch', '#seq': 'seq' },
          values: { ':epoch': pointer.epoch, ':seq': pointer.seq },
        },
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionFailedError)) throw error;
      const current = await this.readPointer();
      if (current && current.epoch > this.writer.epoch) throw new FencedError(this.writer.sessionId, this.writer.epoch);
      return false;
    }
  }

  private fence(): Expression {
    return {
      expression: 'attribute_not_exists(#epoch) OR #epoch <= :epoch',
      names: { '#epoch': 'epoch' },
      values: { ':epoch': this.writer.epoch },
    };
  }

  /** No write once the lease cannot be trusted: the timing half of the fence. */
  private gate(): void {
    if (!this.writer.isValid()) throw new FencedError(this.writer.sessionId, this.writer.epoch);
  }

  private async fenced(write: () => Promise<void>): Promise<void> {
    this.gate();
    try {
      await write();
    } catch (error) {
      if (error instanceof ConditionFailedError) throw new FencedError(this.writer.sessionId, this.writer.epoch);
      throw error;
    }
  }
}

function toPointer(item: Record<string, unknown>): BackupPointer | undefined {
  if (typeof item.key !== 'string' || typeof item.epoch !== 'number' || typeof item.seq !== 'number') return undefined;
  return { key: item.key, epoch: item.epoch, seq: item.seq, createdAt: Number(item.createdAt ?? 0) };
}
