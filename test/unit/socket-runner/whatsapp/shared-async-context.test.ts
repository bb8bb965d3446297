import * as asyncHooks from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { addTransactionCapability, type SignalDataSet, type SignalKeyStore } from '@whiskeysockets/baileys';
import { describe, expect, it } from 'vitest';
import { KeyedAsyncLocalStorage, withSharedAsyncContext } from '../../../../socket-runner/whatsapp/shared-async-context.ts';

/**
 * How many async-local storages tag a new promise: on Node 20 and 22 (async_hooks-based storage, the
 * runtimes this project targets) each enabled instance adds one symbol property to every new promise.
 */
function storagesTaggingNewPromises(): number {
  return Object.getOwnPropertySymbols(new Promise(() => {})).filter((symbol) => symbol.description === 'kResourceStore').length;
}

const silent = { level: 'silent', child: () => silent, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** A Baileys key store with transactions, made the way makeWASocket makes one, over a map. */
function transactionalStore(): { keys: ReturnType<typeof addTransactionCapability>; written: SignalDataSet[] } {
  const written: SignalDataSet[] = [];
  const base: SignalKeyStore = { get: async () => ({}), set: async (data) => void written.push(data) };
  return { keys: addTransactionCapability(base, silent, { maxCommitRetries: 1, delayBetweenTriesMs: 0 }), written };
}

describe('KeyedAsyncLocalStorage', () => {
  it('keeps each instance’s store to its own run, through awaits and timers, nested in another’s', async () => {
    const a = new KeyedAsyncLocalStorage<string>();
    const b = new KeyedAsyncLocalStorage<string>();

    const seen = await a.run('a1', async () => {
      await sleep(1);
      const inner = await b.run('b1', async () => {
        await sleep(1);
        return [a.getStore(), b.getStore(), await new Promise((resolve) => setTimeout(() => resolve(b.getStore()), 1))];
      });
      return [...inner, b.getStore(), a.exit(() => a.getStore()), a.getStore()];
    });

    expect(seen).toEqual(['a1', 'b1', 'b1', undefined, undefined, 'a1']);
    expect([a.getStore(), b.getStore()]).toEqual([undefined, undefined]);
  });

  it('reads undefined once disabled, until the next run', () => {
    const storage = new KeyedAsyncLocalStorage<number>();
    storage.run(1, () => {
      storage.disable();
      expect(storage.getStore()).toBeUndefined();
      storage.run(2, () => expect(storage.getStore()).toBe(2));
    });
  });
});

describe('withSharedAsyncContext', () => {
  it('substitutes the async_hooks export only while the synchronous call runs', () => {
    const real = asyncHooks.AsyncLocalStorage;

    const inside = withSharedAsyncContext(() => asyncHooks.AsyncLocalStorage);

    expect(inside).toBe(KeyedAsyncLocalStorage);
    expect(asyncHooks.AsyncLocalStorage).toBe(real);
  });

  it('restores the real export when the call throws', () => {
    const real = asyncHooks.AsyncLocalStorage;
    expect(() => withSharedAsyncContext(() => { throw new Error('boom'); })).toThrow('boom');
    expect(asyncHooks.AsyncLocalStorage).toBe(real);
  });

  it('lets Baileys key stores made inside it run transactions without tagging every promise once per store', async () => {
    const stores = withSharedAsyncContext(() => Array.from({ length: 20 }, () => transactionalStore()));
    await Promise.all(stores.map(({ keys }, i) => keys.transaction(async () => keys.set({ 'sender-key-memory': { [`g${i}`]: { x: true } } }), `k${i}`)));
    const shared = storagesTaggingNewPromises();

    const more = withSharedAsyncContext(() => Array.from({ length: 20 }, () => transactionalStore()));
    await Promise.all(more.map(({ keys }) => keys.transaction(async () => keys.set({ 'sender-key-memory': { g: { y: true } } }), 'k')));

    expect(storagesTaggingNewPromises()).toBe(shared);
    // Each store's transaction saw its own context: its write committed once, to its own store.
    expect(stores.map(({ written }) => written)).toEqual(stores.map((_, i) => [{ 'sender-key-memory': { [`g${i}`]: { x: true } } }]));
  });

  it('is what makes the difference: stores made outside it each add a storage to every new promise', async () => {
    const before = storagesTaggingNewPromises();

    const stores = Array.from({ length: 5 }, () => transactionalStore());
    await Promise.all(stores.map(({ keys }) => keys.transaction(async () => keys.set({ 'sender-key-memory': { g: { z: true } } }), 'k')));

    expect(storagesTaggingNewPromises()).toBe(before + 5);
  });
});
