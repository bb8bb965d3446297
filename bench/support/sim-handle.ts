/**
 * Parent side of the simulator process (sim-process.ts): start it, learn its URL and trust anchor, call
 * its controls, and collect the timestamped device and message events the scenarios measure with.
 */
import { fileURLToPath } from 'node:url';
import { spawnChild, type ChildHandle } from './child-rpc.ts';

const ENTRY = fileURLToPath(new URL('./sim-process.ts', import.meta.url));

export interface SimInfo {
  readonly url: string;
  readonly controlUrl: string;
  readonly rootPublicKey: string;
}

export interface DeviceEventAt {
  readonly phone: string;
  readonly deviceId: number;
  readonly state: 'online' | 'offline' | 'removed';
  readonly at: number;
}

export interface ReceivedAt {
  readonly id: string;
  readonly contact: string;
  readonly at: number;
}

export interface SimTotals {
  readonly pairings: number;
  readonly logins: number;
  readonly overlaps: number;
  readonly devices: number;
  readonly online: number;
  readonly maxLive: number;
  readonly overlapping: string[];
  readonly connections: { open: number; registering: number; authenticated: number };
}

export interface SimOptions {
  readonly stateDir?: string;
  readonly port?: number;
  /** Contact delivery receipt delay; null = never. */
  readonly deliveredMs?: number | null;
  readonly output?: 'inherit' | 'ignore';
}

export class SimProcess {
  readonly devices: DeviceEventAt[] = [];
  readonly received = new Map<string, ReceivedAt>();
  /** Phones with a device online, from the device events. */
  readonly onlinePhones = new Set<string>();

  private constructor(
    readonly handle: ChildHandle,
    readonly info: SimInfo,
  ) {
    handle.on('device', (event: DeviceEventAt) => {
      this.devices.push(event);
      if (event.state === 'online') this.onlinePhones.add(event.phone);
      else this.onlinePhones.delete(event.phone);
    });
    handle.on('received', (event: ReceivedAt) => {
      if (!this.received.has(event.id)) this.received.set(event.id, event);
    });
  }

  static async start(options: SimOptions = {}): Promise<SimProcess> {
    const handle = spawnChild('simulator', ENTRY, {
      nodeArgs: ['--expose-gc'],
      output: options.output,
      env: {
        BENCH_SIM_STATE_DIR: options.stateDir,
        BENCH_SIM_PORT: String(options.port ?? 0),
        BENCH_SIM_DELIVERED_MS: options.deliveredMs === null ? 'never' : String(options.deliveredMs ?? 50),
        LOG_LEVEL: 'ERROR',
      },
    });
    const ready = handle.waitFor<SimInfo>('ready', () => true, 120_000);
    const exited = handle.exited.then(({ code, signal }) => {
      throw new Error(`simulator exited during start-up (code ${code}, signal ${signal})`);
    });
    const info = await Promise.race([ready, exited]);
    return new SimProcess(handle, info);
  }

  /** Environment a runner (or any Baileys process) needs to use this simulator. */
  runnerEnv(url = this.info.url): Record<string, string> {
    return { WA_SIMULATOR: 'true', WA_WEB_SOCKET_URL: url, WA_SIM_ROOT_PUBLIC_KEY: this.info.rootPublicKey };
  }

  stats(): Promise<{ devices: { phone: string; deviceId: number; state: string; logins: number; overlaps: number; maxLive: number }[] }> {
    return this.handle.call('stats', {}, 60_000);
  }

  totals(): Promise<SimTotals> {
    return this.handle.call('totals', {}, 60_000);
  }

  online(phones: readonly string[]): Promise<string[]> {
    return this.handle.call('online', { phones }, 60_000);
  }

  inbound(from: string, to: string, text: string): Promise<{ id: string }> {
    return this.handle.call('inbound', { from, to, text });
  }

  setSlow(ms: number): Promise<void> {
    return this.handle.call('slow', { ms });
  }

  setDelivered(ms: number | null): Promise<void> {
    return this.handle.call('receipts', { deliveredMs: ms });
  }

  fault(kind: 'logout' | 'conflict' | 'drop' | 'silence', target: string): Promise<number> {
    return this.handle.call('fault', { kind, target });
  }

  receivedSummary(): Promise<{ total: number; duplicates: { id: string; count: number }[] }> {
    return this.handle.call('receivedSummary');
  }

  /** Resolves when every phone has a device online, per the device events; names how many are missing. */
  async waitAllOnline(phones: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const missing = phones.filter((phone) => !this.onlinePhones.has(phone)).length;
      if (missing === 0) return;
      if (Date.now() > deadline) throw new Error(`${missing} of ${phones.length} sessions not online at the simulator after ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Device events for `phones` since `since` (ms, wall clock). */
  eventsFor(phones: ReadonlySet<string>, since: number): DeviceEventAt[] {
    return this.devices.filter((event) => event.at >= since && phones.has(event.phone));
  }

  /** Resolves when every phone has a device online (polled; device events can be switched off at scale). */
  async waitOnline(phones: readonly string[], timeoutMs: number, intervalMs = 500): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const online = await this.online(phones);
      if (online.length >= phones.length) return;
      if (Date.now() > deadline) throw new Error(`only ${online.length} of ${phones.length} devices online after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  memory(): Promise<NodeJS.MemoryUsage> {
    return this.handle.call('memory');
  }

  async stop(): Promise<void> {
    if (!this.handle.alive) return;
    await this.handle.call('stop', {}, 30_000).catch(() => undefined);
    await this.handle.stop(5_000);
  }
}
