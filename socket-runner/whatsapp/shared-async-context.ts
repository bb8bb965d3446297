/**
 * One AsyncLocalStorage for every Baileys socket in the process, instead of one per socket.
 *
 * Why: Baileys (7.0.0-rc) gives each socket's key-store transactions a `new AsyncLocalStorage()` and never
 * disables it. With async_hooks-based storage (Node 20 and 22 by default) every enabled instance copies one
 * property onto every promise, timer and socket the process creates from then on, and an instance is never
 * released — so after N sockets (reconnects included) each async resource costs O(N) time and memory. In a
 * runner with 100 sessions every live promise carried ~3-6 KB of such properties (heap snapshot), and an
 * `await` cost ~130 µs instead of ~0.2 µs with 1,000 instances: the event loop of a runner with hundreds of
 * sessions spends itself on bookkeeping, lease renewals stall, and sessions self-fence.
 *
 * How: `withSharedAsyncContext(fn)` runs `fn` (the synchronous `makeWASocket` call, where Baileys creates
 * its instance) while the `AsyncLocalStorage` export of `async_hooks` is `KeyedAsyncLocalStorage`: a view
 * keyed by instance onto one process-wide storage. Each instance keeps its own semantics (run, getStore,
 * exit, enterWith, disable); the process pays for one. The substitution lasts only for that synchronous
 * call, so no other code can observe it (and one that did would get the same semantics).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire, syncBuiltinESMExports } from 'node:module';

type Entries = ReadonlyMap<object, unknown>;

const shared = new AsyncLocalStorage<Entries>();
const EMPTY: Entries = new Map();

/** `AsyncLocalStorage` semantics per instance, on the one shared storage. */
export class KeyedAsyncLocalStorage<T> {
  static bind = AsyncLocalStorage.bind.bind(AsyncLocalStorage);
  static snapshot = AsyncLocalStorage.snapshot.bind(AsyncLocalStorage);
  private disabled = false;

  getStore(): T | undefined {
    if (this.disabled) return undefined;
    return shared.getStore()?.get(this) as T | undefined;
  }

  run<R, A extends unknown[]>(store: T, callback: (...args: A) => R, ...args: A): R {
    this.disabled = false;
    const next = new Map(shared.getStore() ?? EMPTY).set(this, store);
    return shared.run(next, callback, ...args);
  }

  exit<R, A extends unknown[]>(callback: (...args: A) => R, ...args: A): R {
    const next = new Map(shared.getStore() ?? EMPTY);
    next.delete(this);
    return shared.run(next, callback, ...args);
  }

  enterWith(store: T): void {
    this.disabled = false;
    shared.enterWith(new Map(shared.getStore() ?? EMPTY).set(this, store));
  }

  /** Stores of this instance read as undefined until the next `run` or `enterWith`. */
  disable(): void {
    this.disabled = true;
  }
}

const asyncHooks = createRequire(import.meta.url)('node:async_hooks') as { AsyncLocalStorage: unknown };

/**
 * Runs `create` (synchronous) with `AsyncLocalStorage` from `async_hooks` being the keyed shared one, for
 * ES modules and CommonJS alike; the real class is back before it returns.
 */
export function withSharedAsyncContext<R>(create: () => R): R {
  const original = asyncHooks.AsyncLocalStorage;
  asyncHooks.AsyncLocalStorage = KeyedAsyncLocalStorage;
  syncBuiltinESMExports();
  try {
    return create();
  } finally {
    asyncHooks.AsyncLocalStorage = original;
    syncBuiltinESMExports();
  }
}
