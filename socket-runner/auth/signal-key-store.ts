/**
 * Baileys' `SignalKeyStore` on the auth table: every key update persisted (one fenced conditional write per
 * key, a bounded number in flight), reads served from a byte-bounded LRU in front of DynamoDB.
 *
 * Memory stays bounded per session: the LRU holds serialized text up to `cacheBytes` (absent keys are
 * cached too: Baileys asks for missing sessions/mappings again and again), and the only other state is the
 * handful of writes in flight. Values are cached as text and parsed per read, so nothing Baileys mutates
 * can alias the cache.
 *
 * Consistency: `set` calls are applied in order (a later set of the same key never lands first), and a
 * read issued while a write is in flight sees the value being written.
 */
import { proto, type SignalDataSet, type SignalDataTypeMap, type SignalKeyStore } from '@whiskeysockets/baileys';
import { LRUCache } from 'lru-cache';
import { decodeJson, encodeJson } from './auth-codec.ts';
import type { AuthStore } from './auth-store.ts';

export interface KeyStoreOptions {
  /** LRU budget in bytes of serialized keys (0 disables the cache). */
  readonly cacheBytes: number;
  /** Key writes in flight at once for this session. */
  readonly writeConcurrency: number;
  /** Sees every failed `set` before its promise rejects (fencing is reported from here). */
  readonly onWriteError?: (error: unknown) => void;
}

/** Marks a key known to be absent in the cache. */
const ABSENT = '';
const ENTRY_OVERHEAD = 64;

interface PendingWrite {
  readonly text: string | null;
  readonly version: number;
}

export class DynamoSignalKeyStore implements SignalKeyStore {
  private readonly cache?: LRUCache<string, string>;
  private readonly pending = new Map<string, PendingWrite>();
  private version = 0;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: AuthStore,
    private readonly options: KeyStoreOptions,
  ) {
    if (options.cacheBytes > 0) {
      this.cache = new LRUCache<string, string>({
        maxSize: options.cacheBytes,
        sizeCalculation: (value, key) => value.length + key.length + ENTRY_OVERHEAD,
      });
    }
  }

  async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    const result: { [id: string]: SignalDataTypeMap[T] } = {};
    const missing: string[] = [];
    for (const id of ids) {
      const known = this.known(cacheKey(type, id));
      if (known === undefined) missing.push(id);
      else if (known !== null) result[id] = revive(type, known);
    }
    if (missing.length === 0) return result;

    const versionAtRead = this.version;
    const found = await this.store.readKeys(type, missing);
    for (const id of missing) {
      const key = cacheKey(type, id);
      // A write issued while we were reading wins over what we read.
      const known = this.version === versionAtRead ? undefined : this.known(key);
      const text = known === undefined ? (found.get(id) ?? null) : known;
      if (known === undefined) this.cache?.set(key, text ?? ABSENT);
      if (text !== null) result[id] = revive(type, text);
    }
    return result;
  }

  /** Persists every entry (null deletes); resolves once all are written, in order after earlier sets. */
  set(data: SignalDataSet): Promise<void> {
    const writes: { type: string; id: string; key: string; write: PendingWrite }[] = [];
    for (const [type, entries] of Object.entries(data)) {
      for (const [id, value] of Object.entries(entries ?? {})) {
        const key = cacheKey(type, id);
        const write = { text: value === null || value === undefined ? null : encodeJson(value), version: ++this.version };
        this.pending.set(key, write);
        writes.push({ type, id, key, write });
      }
    }
    const run = this.chain.then(() =>
      forEachBounded(writes, this.options.writeConcurrency, async ({ type, id, key, write }) => {
        try {
          await this.store.writeKey(type, id, write.text);
          this.cache?.set(key, write.text ?? ABSENT);
        } finally {
          // Only the newest pending write of a key clears it; a failed write falls back to what is stored.
          if (this.pending.get(key)?.version === write.version) this.pending.delete(key);
        }
      }),
    );
    this.chain = run.catch(() => undefined);
    return run.catch((error: unknown) => {
      this.options.onWriteError?.(error);
      throw error;
    });
  }

  /** Resolves when every write issued so far has settled. */
  async flush(): Promise<void> {
    await this.chain;
  }

  /** Bytes the cache holds (for tests and metrics). */
  cachedBytes(): number {
    return this.cache?.calculatedSize ?? 0;
  }

  /** The text of a key if known locally: string, null (known absent), or undefined (ask the table). */
  private known(key: string): string | null | undefined {
    const pending = this.pending.get(key);
    if (pending) return pending.text;
    const cached = this.cache?.get(key);
    if (cached === undefined) return undefined;
    return cached === ABSENT ? null : cached;
  }
}

function cacheKey(type: string, id: string): string {
  return `${type}#${id}`;
}

function revive<T extends keyof SignalDataTypeMap>(type: T, text: string): SignalDataTypeMap[T] {
  const value = decodeJson(text);
  if (type === 'app-state-sync-key') {
    return proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>) as unknown as SignalDataTypeMap[T];
  }
  return value as SignalDataTypeMap[T];
}

/** Runs `fn` over items with at most `limit` in flight; rejects with the first failure after all settle. */
export async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}
