/**
 * Which connections are logged in as which companion device, and what the simulator counts about them:
 * logins, live connections and overlaps — a device authenticating while another connection of the same
 * device is still authenticated and open, the detector for the product's "never two live sockets for one
 * session" invariant. Also holds each device's offline queue (receipts and messages that arrive while no
 * connection is live, delivered at the next login) and emits device state changes.
 */
import type { BinaryNode } from './binary-node.ts';
import type { SimConnection } from './connection.ts';
import type { CompanionDevice } from './directory.ts';

export type DeviceState = 'online' | 'offline' | 'removed';

export interface DeviceEvent {
  readonly phone: string;
  readonly deviceId: number;
  readonly jid: string;
  readonly state: DeviceState;
}

export interface DeviceStats {
  readonly phone: string;
  readonly deviceId: number;
  readonly jid: string;
  readonly state: DeviceState;
  /** Successful logins since the simulator started. */
  readonly logins: number;
  /** Authenticated connections open now. */
  readonly live: number;
  /** Highest number of simultaneously authenticated connections seen. */
  readonly maxLive: number;
  /** Logins that happened while another connection of the device was still authenticated and open. */
  readonly overlaps: number;
  /** Stanzas waiting for the device's next login. */
  readonly queued: number;
}

interface DeviceEntry {
  readonly device: CompanionDevice;
  readonly live: Set<SimConnection>;
  logins: number;
  maxLive: number;
  overlaps: number;
  queue: BinaryNode[];
}

const MAX_QUEUED_PER_DEVICE = 1_000;

export function deviceJid(device: { phone: string; deviceId: number }): string {
  return `${device.phone}:${device.deviceId}@s.whatsapp.net`;
}

export class DeviceHub {
  private readonly entries = new Map<string, DeviceEntry>();

  constructor(private readonly emit: (event: DeviceEvent) => void) {}

  /**
   * Records a successful login of `connection` as `device`. Returns the device's other connections that
   * are still authenticated and open (an overlap when there are any); the caller replaces them (440).
   */
  login(connection: SimConnection, device: CompanionDevice): SimConnection[] {
    const entry = this.entry(device);
    const older = [...entry.live].filter((other) => other !== connection && other.isOpen);
    if (older.length > 0) entry.overlaps++;
    entry.live.add(connection);
    entry.logins++;
    entry.maxLive = Math.max(entry.maxLive, this.openCount(entry));
    this.emit(this.event(entry));
    return older;
  }

  /** Forgets a closed connection; the device goes offline when it was its last one. */
  closed(connection: SimConnection): void {
    if (!connection.device) return;
    const entry = this.entries.get(key(connection.device));
    if (!entry?.live.delete(connection)) return;
    if (this.openCount(entry) === 0) this.emit(this.event(entry));
  }

  /** The newest open authenticated connection of a device. */
  liveConnection(device: CompanionDevice): SimConnection | undefined {
    const live = [...(this.entries.get(key(device))?.live ?? [])].filter((connection) => connection.isOpen);
    return live.at(-1);
  }

  /** Connections (open or closing) logged in as any device of `phone`, or as one device when given. */
  connectionsOf(phone: string, deviceId?: number): SimConnection[] {
    return [...this.entries.values()]
      .filter((entry) => entry.device.phone === phone && (deviceId === undefined || entry.device.deviceId === deviceId))
      .flatMap((entry) => [...entry.live]);
  }

  /** Sends to the device's live connection, or queues for its next login. */
  deliver(device: CompanionDevice, stanza: BinaryNode): void {
    const connection = this.liveConnection(device);
    if (connection) {
      connection.send(stanza);
      return;
    }
    const entry = this.entry(device);
    entry.queue.push(stanza);
    if (entry.queue.length > MAX_QUEUED_PER_DEVICE) entry.queue.shift();
  }

  /** Takes everything queued for a device (at login). */
  drain(device: CompanionDevice): BinaryNode[] {
    const entry = this.entries.get(key(device));
    if (!entry) return [];
    const queued = entry.queue;
    entry.queue = [];
    return queued;
  }

  /** Announces a device's removal (logout). */
  removed(device: CompanionDevice): void {
    const entry = this.entry(device);
    entry.queue = [];
    this.emit(this.event(entry));
  }

  state(device: CompanionDevice): DeviceState {
    const entry = this.entries.get(key(device));
    if (device.removed) return 'removed';
    return entry && this.openCount(entry) > 0 ? 'online' : 'offline';
  }

  stats(devices: readonly CompanionDevice[]): DeviceStats[] {
    return devices.map((device) => {
      const entry = this.entries.get(key(device));
      return {
        phone: device.phone,
        deviceId: device.deviceId,
        jid: deviceJid(device),
        state: this.state(device),
        logins: entry?.logins ?? 0,
        live: entry ? this.openCount(entry) : 0,
        maxLive: entry?.maxLive ?? 0,
        overlaps: entry?.overlaps ?? 0,
        queued: entry?.queue.length ?? 0,
      };
    });
  }

  private entry(device: CompanionDevice): DeviceEntry {
    let entry = this.entries.get(key(device));
    if (!entry) {
      entry = { device, live: new Set(), logins: 0, maxLive: 0, overlaps: 0, queue: [] };
      this.entries.set(key(device), entry);
    }
    return entry;
  }

  private openCount(entry: DeviceEntry): number {
    let count = 0;
    for (const connection of entry.live) if (connection.isOpen) count++;
    return count;
  }

  private event(entry: DeviceEntry): DeviceEvent {
    return { phone: entry.device.phone, deviceId: entry.device.deviceId, jid: deviceJid(entry.device), state: this.state(entry.device) };
  }
}

function key(device: { phone: string; deviceId: number }): string {
  return `${device.phone}:${device.deviceId}`;
}
