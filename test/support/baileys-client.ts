/**
 * Test helpers for driving the real Baileys client against the WhatsApp simulator
 * (local/wa-simulator): an in-memory auth state, `connectBaileys` (pairs on first use, follows the 515
 * restart, resolves when the connection is open) and event waiters with timeouts. Shared by the simulator's
 * own tests and the runner's; nothing here touches the network beyond the simulator's loopback port.
 *
 * Test files that use it must opt into simulator mode first (`vi.stubEnv('WA_SIMULATOR', 'true')`),
 * because connecting installs the simulator's root key as Baileys' trust anchor, which the code refuses to do
 * otherwise. Tests whose code under test makes its own sockets (the runner's Baileys adapter) call
 * `installSimulatorTrustAnchor(sim.rootPublicKey)` once instead, and point `waWebSocketUrl` at `sim.url`.
 */
import {
  initAuthCreds,
  makeWASocket,
  proto,
  type AuthenticationState,
  type BaileysEventMap,
  type ConnectionState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
  type UserFacingSocketConfig,
  type WASocket,
} from '@whiskeysockets/baileys';
import PQueue from 'p-queue';
import pino from 'pino';
import { installSimulatorTrustAnchor } from '../../socket-runner/whatsapp/simulator-trust-anchor.ts';

/** Baileys wants a pino logger; tests want silence. */
export const silentLogger = pino({ level: 'silent' });

/** What `connectBaileys` needs of a simulator (a `WaSimulator` fits). */
export interface SimulatorEndpoint {
  readonly url: string;
  readonly rootPublicKey: Uint8Array;
  scan(qr: string, phoneNumber: string): Promise<unknown>;
}

/** Baileys' `AuthenticationState` held in memory; `keys` exposes the stored signal data for assertions. */
export interface MemoryAuthState {
  readonly state: AuthenticationState;
  readonly keys: Map<keyof SignalDataTypeMap, Map<string, unknown>>;
}

export function createMemoryAuthState(): MemoryAuthState {
  const keys = new Map<keyof SignalDataTypeMap, Map<string, unknown>>();
  const bucket = (type: keyof SignalDataTypeMap) => {
    let entries = keys.get(type);
    if (!entries) keys.set(type, (entries = new Map()));
    return entries;
  };
  const store: SignalKeyStore = {
    get: (type, ids) => {
      const entries = bucket(type);
      const found: Record<string, unknown> = {};
      for (const id of ids) {
        let value = entries.get(id);
        if (value !== undefined && type === 'app-state-sync-key') value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
        if (value !== undefined) found[id] = value;
      }
      return found as { [id: string]: SignalDataTypeMap[typeof type] };
    },
    set: (data: SignalDataSet) => {
      for (const [type, values] of Object.entries(data) as [keyof SignalDataTypeMap, Record<string, unknown>][]) {
        const entries = bucket(type);
        for (const [id, value] of Object.entries(values ?? {})) {
          if (value === null || value === undefined) entries.delete(id);
          else entries.set(id, value);
        }
      }
    },
    clear: () => keys.clear(),
  };
  return { state: { creds: initAuthCreds(), keys: store }, keys };
}

export interface ConnectOptions {
  /** Phone number that "scans" the QR when the auth state is not paired yet; without it an unpaired state fails. */
  readonly phoneNumber?: string;
  /** Custom QR handling instead of scanning (e.g. a pairing-code flow). */
  readonly onQr?: (qr: string, socket: WASocket) => Promise<unknown> | unknown;
  /** Trust anchor to install; defaults to the simulator's root key. */
  readonly trustRoot?: Uint8Array;
  /** Overall time allowed to reach `open`, pairing included (default 30 s). */
  readonly timeoutMs?: number;
  /** Extra Baileys options (merged over the test defaults). */
  readonly config?: Partial<UserFacingSocketConfig>;
}

/** Reads the disconnect status code (Boom `output.statusCode`) from a close update. */
export function disconnectStatus(update: Partial<ConnectionState>): number | undefined {
  return (update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
}

/** Raised when a socket closes before reaching `open`; `statusCode` is Baileys' disconnect reason. */
export class ConnectFailedError extends Error {
  constructor(readonly statusCode: number | undefined) {
    super(`Baileys closed before open (status ${statusCode ?? 'unknown'})`);
  }
}

/** Baileys with the test defaults: simulator URL, silent logger, no history sync, no online presence. */
export function openSocket(sim: SimulatorEndpoint, auth: MemoryAuthState, options: ConnectOptions = {}): WASocket {
  installSimulatorTrustAnchor(options.trustRoot ?? sim.rootPublicKey);
  return makeWASocket({
    waWebSocketUrl: sim.url,
    auth: auth.state,
    logger: silentLogger,
    shouldSyncHistoryMessage: () => false,
    markOnlineOnConnect: false,
    ...options.config,
  });
}

/** Socket bring-ups are CPU-heavy (pairing, 812 prekeys): a few at a time keep the event loop responsive. */
const bringUps = new PQueue({ concurrency: 4 });

/**
 * Connects until `connection: open`: pairs through `sim.scan` when the state is new, follows the 515
 * restart with a fresh socket, and rejects with `ConnectFailedError` on any other close.
 */
export async function connectBaileys(sim: SimulatorEndpoint, auth: MemoryAuthState, options: ConnectOptions = {}): Promise<WASocket> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const connect = async (): Promise<WASocket> => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const socket = openSocket(sim, auth, options);
      const outcome = await untilOpenOrClosed(socket, sim, options, deadline - Date.now());
      if (outcome === 'open') return socket;
    }
    throw new Error('Baileys kept asking for restarts');
  };
  return bringUps.add(connect);
}

function untilOpenOrClosed(socket: WASocket, sim: SimulatorEndpoint, options: ConnectOptions, timeoutMs: number): Promise<'open' | 'restart'> {
  return new Promise((resolve, reject) => {
    let scanned = false;
    const timer = setTimeout(() => {
      socket.end(undefined);
      reject(new Error(`Baileys did not open within the time allowed`));
    }, Math.max(timeoutMs, 1));
    const finish = (result: 'open' | 'restart' | Error) => {
      clearTimeout(timer);
      socket.ev.off('connection.update', listener);
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const listener = (update: Partial<ConnectionState>) => {
      if (update.qr && !scanned) {
        scanned = true;
        const handle = options.onQr
          ? () => options.onQr?.(update.qr ?? '', socket)
          : options.phoneNumber
            ? () => sim.scan(update.qr ?? '', options.phoneNumber ?? '')
            : () => Promise.reject(new Error('the auth state is not paired and no phoneNumber was given'));
        Promise.resolve()
          .then(handle)
          .catch((error: unknown) => {
            socket.end(undefined);
            finish(error instanceof Error ? error : new Error(String(error)));
          });
      }
      if (update.connection === 'open') finish('open');
      if (update.connection === 'close') {
        const status = disconnectStatus(update);
        finish(status === 515 ? 'restart' : new ConnectFailedError(status));
      }
    };
    socket.ev.on('connection.update', listener);
  });
}

/** Resolves with the first `event` payload matching `predicate`; rejects after `timeoutMs`. */
export function waitForEvent<E extends keyof BaileysEventMap>(
  socket: WASocket,
  event: E,
  predicate: (payload: BaileysEventMap[E]) => boolean = () => true,
  timeoutMs = 10_000,
): Promise<BaileysEventMap[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.ev.off(event, listener);
      reject(new Error(`no matching '${event}' event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: BaileysEventMap[E]) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.ev.off(event, listener);
      resolve(payload);
    };
    socket.ev.on(event, listener);
  });
}

/** Resolves with the disconnect status code when the socket closes. */
export async function waitForClose(socket: WASocket, timeoutMs = 10_000): Promise<number | undefined> {
  const update = await waitForEvent(socket, 'connection.update', (u) => u.connection === 'close', timeoutMs);
  return disconnectStatus(update);
}

/** Ends sockets without logging out (what a test does in `afterAll`). */
export function closeSockets(...sockets: (WASocket | undefined)[]): void {
  for (const socket of sockets) socket?.end(undefined);
}
