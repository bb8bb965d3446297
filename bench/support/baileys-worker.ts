/**
 * Bare Baileys in a process of its own (child entry, driven by baileys-fleet.ts), against the simulator:
 * - `pair`: pairs new devices (QR scanned through the simulator's control API, 515 restart followed,
 *   812 prekeys uploaded) and saves each device's full auth state to the credentials fixture;
 * - `hold`: connects devices from the fixture and keeps them idle: the bare-Baileys baseline. Creds are
 *   held in memory and Signal keys are read from the fixture file on demand, as Baileys' own
 *   `useMultiFileAuthState` does, so the baseline is the socket itself and nothing a store adds;
 * - `memory`: settles, runs the GC and reports process memory.
 * Baileys' options are those of the runner's adapter (no history sync, not online, no link previews), and
 * like the runner it folds Baileys' per-socket AsyncLocalStorage into one (shared-async-context.ts): as
 * shipped, each socket's instance taxes every promise in the process, which would inflate the baseline at
 * large N and hide the runner's own overhead behind a Baileys defect both can avoid.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import {
  BufferJSON,
  initAuthCreds,
  makeWASocket,
  proto,
  type AuthenticationState,
  type ConnectionState,
  type SignalDataSet,
  type SignalDataTypeMap,
  type WASocket,
} from '@whiskeysockets/baileys';
import PQueue from 'p-queue';
import pino from 'pino';
import { muteLibsignalSessionDumps } from '../../core/libsignal-console.ts';
import { installSimulatorTrustAnchor } from '../../socket-runner/whatsapp/simulator-trust-anchor.ts';
import { withSharedAsyncContext } from '../../socket-runner/whatsapp/shared-async-context.ts';
import { serveRpc } from './child-rpc.ts';
import { fixturePath, type FixtureFile, type KeyData } from './baileys-worker-types.ts';

muteLibsignalSessionDumps();
const logger = pino({ level: 'silent' });
const url = process.env.WA_WEB_SOCKET_URL!;
installSimulatorTrustAnchor(Buffer.from(process.env.WA_SIM_ROOT_PUBLIC_KEY!, 'base64'));


const held = new Map<string, WASocket>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function socketFor(auth: AuthenticationState): WASocket {
  return withSharedAsyncContext(() => makeWASocket({
    waWebSocketUrl: url,
    auth,
    logger,
    markOnlineOnConnect: false,
    shouldSyncHistoryMessage: () => false,
    syncFullHistory: false,
    emitOwnEvents: false,
    generateHighQualityLinkPreview: false,
    getMessage: async () => undefined,
  }));
}

function statusOf(update: Partial<ConnectionState>): number | undefined {
  return (update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;
}

/** Opens sockets until `open`, following 515 restarts; `onQr` handles a QR (pairing). */
async function connect(auth: AuthenticationState, timeoutMs: number, onQr?: (qr: string) => Promise<unknown>): Promise<WASocket> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 4; attempt++) {
    const socket = socketFor(auth);
    const outcome = await new Promise<'open' | 'restart'>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.end(undefined);
        reject(new Error('not open in time'));
      }, Math.max(1, deadline - Date.now()));
      let scanned = false;
      socket.ev.on('connection.update', (update) => {
        if (update.qr && !scanned && onQr) {
          scanned = true;
          onQr(update.qr).catch((error: unknown) => {
            clearTimeout(timer);
            socket.end(undefined);
            reject(error as Error);
          });
        }
        if (update.connection === 'open') {
          clearTimeout(timer);
          resolve('open');
        }
        if (update.connection === 'close') {
          clearTimeout(timer);
          const status = statusOf(update);
          if (status === 515) resolve('restart');
          else reject(new Error(`closed with ${status}`));
        }
      });
    });
    if (outcome === 'open') return socket;
  }
  throw new Error('kept restarting');
}

/** Keys in memory (pairing: everything is saved to the fixture afterwards). */
function memoryKeys(keys: KeyData): AuthenticationState['keys'] {
  return {
    get: async (type, ids) => pick(keys, type, ids),
    set: async (data: SignalDataSet) => apply(keys, data),
  };
}

/** Keys read from the fixture file per request; writes kept in a small overlay (the baseline's floor). */
function fileKeys(file: string): AuthenticationState['keys'] {
  const overlay: KeyData = {};
  return {
    get: async (type, ids) => {
      const fromFile = pick((JSON.parse(readFileSync(file, 'utf8'), BufferJSON.reviver) as FixtureFile).keys, type, ids);
      return { ...fromFile, ...pick(overlay, type, ids) };
    },
    set: async (data: SignalDataSet) => apply(overlay, data),
  };
}

function pick<T extends keyof SignalDataTypeMap>(keys: KeyData, type: T, ids: string[]): { [id: string]: SignalDataTypeMap[T] } {
  const out: { [id: string]: SignalDataTypeMap[T] } = {};
  for (const id of ids) {
    let value = keys[type]?.[id];
    if (value === undefined || value === null) continue;
    if (type === 'app-state-sync-key') value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
    out[id] = value as SignalDataTypeMap[T];
  }
  return out;
}

function apply(keys: KeyData, data: SignalDataSet): void {
  for (const [type, entries] of Object.entries(data)) {
    const bucket = (keys[type] ??= {});
    for (const [id, value] of Object.entries(entries ?? {})) {
      if (value === null || value === undefined) delete bucket[id];
      else bucket[id] = value;
    }
  }
}

async function scan(controlUrl: string, qr: string, phoneNumber: string): Promise<void> {
  const res = await fetch(`${controlUrl}/sim/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ qr, phoneNumber }) });
  if (!res.ok) throw new Error(`scan answered ${res.status}: ${await res.text()}`);
}

serveRpc({
  pair: async ({ phones, dir, controlUrl, concurrency }: { phones: string[]; dir: string; controlUrl: string; concurrency: number }) => {
    mkdirSync(dir, { recursive: true });
    const queue = new PQueue({ concurrency });
    const failed: string[] = [];
    await Promise.all(
      phones.map((phone) =>
        queue.add(async () => {
          const keys: KeyData = {};
          const auth: AuthenticationState = { creds: initAuthCreds(), keys: memoryKeys(keys) };
          try {
            const socket = await connect(auth, 120_000, (qr) => scan(controlUrl, qr, phone));
            socket.ev.on('creds.update', (update) => Object.assign(auth.creds, update));
            await sleep(500); // let post-open creds updates land
            socket.end(undefined);
            writeFileSync(fixturePath(dir, phone), JSON.stringify({ creds: auth.creds, keys } satisfies FixtureFile, BufferJSON.replacer));
          } catch {
            failed.push(phone);
          }
        }),
      ),
    );
    return { paired: phones.length - failed.length, failed };
  },

  hold: async ({ phones, dir, concurrency }: { phones: string[]; dir: string; concurrency: number }) => {
    const queue = new PQueue({ concurrency });
    const failed: string[] = [];
    const started = performance.now();
    await Promise.all(
      phones.map((phone) =>
        queue.add(async () => {
          const file = fixturePath(dir, phone);
          const { creds } = JSON.parse(readFileSync(file, 'utf8'), BufferJSON.reviver) as FixtureFile;
          const auth: AuthenticationState = { creds, keys: fileKeys(file) };
          try {
            const socket = await connect(auth, 120_000);
            socket.ev.on('creds.update', (update) => Object.assign(auth.creds, update));
            held.set(phone, socket);
          } catch {
            failed.push(phone);
          }
        }),
      ),
    );
    return { held: held.size, failed, seconds: (performance.now() - started) / 1000 };
  },

  memory: async ({ settleMs }: { settleMs: number }) => {
    await sleep(settleMs);
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 3; i++) {
      gc?.();
      await sleep(200);
    }
    return { ...process.memoryUsage(), sockets: held.size };
  },

  release: async () => {
    for (const socket of held.values()) socket.end(undefined);
    held.clear();
  },
});
