/**
 * Saves the simulator's world (root key, phones, their Signal state and sessions, paired devices and their
 * uploaded prekeys) to `<stateDir>/wa-simulator-state.json`, so a restarted simulator still recognises
 * already-paired sessions and runners keep their trust anchor. Writes are debounced and atomic (temp file +
 * rename), and spaced out in proportion to their cost; received-message logs, offline queues and connection
 * statistics are runtime only.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyPair } from '@whiskeysockets/baileys';
import type { DirectoryData } from './directory.ts';

export const STATE_FILE = 'wa-simulator-state.json';
const STATE_VERSION = 1;
const SAVE_DEBOUNCE_MS = 500;
/** A save may use at most ~1/SAVE_COST_FACTOR of the time: big fleets (1000 devices) write tens of MB. */
const SAVE_COST_FACTOR = 10;

export interface SimulatorState {
  readonly rootKey: KeyPair;
  readonly directory: DirectoryData | undefined;
}

interface StateFile {
  readonly version: number;
  readonly rootKey: { readonly public: string; readonly private: string };
  readonly directory: DirectoryData;
}

export class StatePersistence {
  private readonly file: string;
  private timer: NodeJS.Timeout | undefined;
  private lastSaveMs = 0;

  /** `snapshot` is read at save time, so callers only signal that something changed. */
  constructor(
    stateDir: string,
    private readonly snapshot: () => { rootKey: KeyPair; directory: DirectoryData },
    private readonly onError: (error: unknown) => void,
  ) {
    mkdirSync(stateDir, { recursive: true });
    this.file = join(stateDir, STATE_FILE);
  }

  /** The saved state, or undefined when there is none yet; throws on a file it cannot read. */
  load(): SimulatorState | undefined {
    if (!existsSync(this.file)) return undefined;
    const data = JSON.parse(readFileSync(this.file, 'utf8')) as StateFile;
    if (data.version !== STATE_VERSION) throw new Error(`unsupported simulator state version ${data.version}`);
    return {
      rootKey: { public: Buffer.from(data.rootKey.public, 'base64'), private: Buffer.from(data.rootKey.private, 'base64') },
      directory: data.directory,
    };
  }

  /** Schedules a save; many changes in a burst become one write. */
  changed(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.saveNow();
    }, Math.max(SAVE_DEBOUNCE_MS, this.lastSaveMs * SAVE_COST_FACTOR));
    this.timer.unref();
  }

  /** Writes immediately (on stop, and to flush a pending debounced save). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.saveNow();
  }

  private saveNow(): void {
    const started = performance.now();
    try {
      const { rootKey, directory } = this.snapshot();
      const data: StateFile = {
        version: STATE_VERSION,
        rootKey: { public: Buffer.from(rootKey.public).toString('base64'), private: Buffer.from(rootKey.private).toString('base64') },
        directory,
      };
      const temp = `${this.file}.tmp`;
      writeFileSync(temp, JSON.stringify(data), { mode: 0o600 });
      renameSync(temp, this.file);
    } catch (error) {
      this.onError(error);
    }
    this.lastSaveMs = performance.now() - started;
  }
}
